package org.shm4j;

/** How long a named object lives, chosen when it is created. */
public enum Lifetime implements SegmentOption {
    /** POSIX semantics: the name stays until {@link SharedMemory#remove} (or reboot). The default. */
    PERSISTENT,
    /**
     * Windows semantics: the name is removed when the last handle or view in any process is gone.
     * Every attacher, read-only ones included, holds a shared {@code flock(2)} lock on its own open
     * file description, which the kernel drops when the process dies (kill -9 included); whoever
     * closes last gets the exclusive lock and removes the name. If every attacher was killed, the
     * next {@code open} finds no lock holders and removes the orphan instead of returning it.
     */
    REFERENCE_COUNTED,
    /** No name at all ({@code memfd}); handed to other processes explicitly. */
    ANONYMOUS
}
