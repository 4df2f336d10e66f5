package org.shm4j;

import java.util.Set;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Options for creating and opening shared-memory objects. Each kind of option appears at most
 * once; a later one of the same kind replaces an earlier one.
 *
 * {@snippet :
 * try (SharedMemory shm = SharedMemory.create("orders", 1 << 20,
 *         Commit.LAZY, Lifetime.REFERENCE_COUNTED, SegmentOption.Mode.of("rw-rw----"))) {
 *     // ...
 * }
 * }
 */
public sealed interface SegmentOption permits Commit, Lifetime, SegmentOption.Mode, SegmentOption.Flag,
        SegmentOption.Disposition {

    /**
     * Permission bits of a created object, applied with {@code fchmod} after creation so the umask
     * does not change them. The default is {@code 0600}: owner read and write only.
     *
     * @param bits permission bits, {@code 0} to {@code 0777}
     */
    record Mode(int bits) implements SegmentOption {
        /** Owner read and write, nothing for anyone else: the default. */
        public static final Mode OWNER_ONLY = new Mode(0600);

        /** @throws IllegalArgumentException if {@code bits} has anything outside {@code 0777} */
        public Mode {
            if ((bits & ~0777) != 0) {
                throw new IllegalArgumentException(org.shm4j.internal.Messages.format(
                        "invalid permission bits", "mode", "0" + Integer.toOctalString(bits)));
            }
        }

        /** Parses an octal string ({@code "0640"}, {@code "640"}) or a symbolic one ({@code "rw-r-----"}). */
        public static Mode of(String text) {
            if (text.matches("0?[0-7]{1,3}")) {
                return new Mode(Integer.parseInt(text, 8));
            }
            try {
                return of(PosixFilePermissions.fromString(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(org.shm4j.internal.Messages.format(
                        "invalid mode, expected octal like 0640 or symbolic like rw-r-----", "mode", text), e);
            }
        }

        /** From a set of POSIX permissions. */
        public static Mode of(Set<PosixFilePermission> permissions) {
            int bits = 0;
            for (PosixFilePermission p : permissions) {
                bits |= 1 << (8 - p.ordinal());
            }
            return new Mode(bits);
        }

        @Override
        public String toString() {
            return "0" + Integer.toOctalString(bits);
        }
    }

    /** Yes/no options. */
    enum Flag implements SegmentOption {
        /**
         * Open an object owned by another user. Without it, {@code open} refuses such an object with
         * {@link ForeignOwnerException}.
         */
        ALLOW_FOREIGN_OWNER,
        /**
         * Back the object with huge pages: {@code MFD_HUGETLB} for an anonymous object (from the
         * {@code vm.nr_hugepages} pool); {@code MADV_HUGEPAGE} on every view of a named object or
         * file (transparent huge pages). Fails with {@link ResourceLimitException} when the system
         * has none to give: an empty pool, or {@code shmem_enabled} set to {@code never}/{@code deny}
         * for named objects, checked before anything is created.
         */
        HUGE_PAGES,
        /**
         * Open the name whatever kind of object it holds (a ring, a lock, an event...) as plain
         * bytes, for monitors, dump tools and in-place layouts. Without it,
         * {@link SharedMemory#open} and {@link SharedMemory#openOrCreate} refuse a typed object with
         * {@link WrongObjectKindException}. Has no effect on creation.
         */
        ANY_KIND,
        /**
         * {@link SharedMemory#mapFile}: refuse a file whose last path component is a symbolic link
         * ({@code O_NOFOLLOW}), with {@link UnexpectedFileTypeException}, for every disposition.
         * Without it, {@code OPEN_EXISTING} and {@code OPEN_OR_CREATE} follow a link to an existing
         * file and map (and may grow) its target, as {@code CreateFile} does; {@code CREATE_NEW}
         * never follows one. Links in the directories above the last component are still followed.
         * Named and anonymous objects never follow links, with or without this flag.
         */
        NOFOLLOW_LINKS
    }

    /**
     * What {@link SharedMemory#mapFile} does when the file exists or not: the {@code CreateFile}
     * dispositions that make sense for a mapping.
     */
    enum Disposition implements SegmentOption {
        /** The file must exist (the default). */
        OPEN_EXISTING,
        /** The file must not exist; it is created with {@code O_EXCL}. */
        CREATE_NEW,
        /** Open the file, creating it if it does not exist. */
        OPEN_OR_CREATE
    }
}
