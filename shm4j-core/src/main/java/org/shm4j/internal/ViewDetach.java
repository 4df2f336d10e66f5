package org.shm4j.internal;

import java.util.Objects;
import org.shm4j.MappedView;

/**
 * The library's way to detach a {@link MappedView} (the API keeps the operation to itself): the
 * shared memory under the view is replaced at once by private pages over the same addresses, and
 * the view's hold on its object (descriptor, reference-counted name) is released, as
 * {@link MappedView#close()} would; only the address range stays reserved, until that close
 * unmaps it. For handles that reach a view by absolute address and so cannot unmap it while
 * another of their threads may be inside a call ({@code org.shm4j.internal.block.DeferredUnmap}).
 */
public final class ViewDetach {
    /** What MappedView registers when its class is initialised. */
    public interface Detacher {
        /** Detaches {@code view}; idempotent; false if the kernel refused (the view is then left as it was). */
        boolean detach(MappedView view);
    }

    private static volatile Detacher detacher;

    private ViewDetach() {}

    /** Called once, by MappedView. */
    public static void register(Detacher d) {
        detacher = Objects.requireNonNull(d);
    }

    /** Detaches {@code view} (see the class documentation). */
    public static boolean detach(MappedView view) {
        // A view exists, so its class is initialised and has registered.
        return detacher.detach(view);
    }
}
