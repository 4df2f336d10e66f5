package org.shm4j;

/** Options for {@link SharedMemory#map}. */
public sealed interface MapOption permits MapOption.At, MapOption.Flag {

    /**
     * Map the view at exactly this address, like {@code MapViewOfFileEx}. The address must be
     * page-aligned and the view offset page-aligned too. Fails with {@link AddressInUseException}
     * if any part of the range is mapped; an existing mapping is never replaced.
     */
    static MapOption at(long address) {
        return new At(address);
    }

    /** A fixed address for the view; see {@link MapOption#at(long)}. */
    record At(long address) implements MapOption {}

    /** Yes/no options of a view. */
    enum Flag implements MapOption {
        /** Pre-fault every page now ({@code MAP_POPULATE}) so first touches do not stall. */
        POPULATE,
        /**
         * Lock the view's pages in RAM ({@code mlock}). Fails with {@link ResourceLimitException}
         * beyond {@code RLIMIT_MEMLOCK}.
         */
        LOCK,
        /** Ask for transparent huge pages for this view ({@code MADV_HUGEPAGE}). */
        HUGE_PAGES,
        /**
         * The view is used, and closed, by the thread that maps it only. It is then backed by a
         * confined arena, whose close costs a few microseconds instead of the tens a shared
         * arena's close costs (a shared close must wait for every thread to leave the segment).
         * Access from another thread throws {@link WrongThreadException}.
         */
        CONFINED
    }
}
