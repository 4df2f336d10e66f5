package org.shm4j;

/** How long a named object lives, chosen when it is created. */
public enum Lifetime implements SegmentOption {
    /** POSIX semantics: the name stays until {@link SharedMemory#remove} (or reboot). The default. */
    PERSISTENT,
    /**
     * Windows semantics: the name is removed when the last handle or view in any process is gone.
     * Every attacher, read-only ones included, holds a shared {@code flock(2)} lock on its own open
     * file description, which the kernel drops when the process dies (kill -9 included); whoever
     * closes last gets the exclusive lock and removes the name. If every attacher was killed, Linux
     * leaves the name in place, but no process holds its lock: it is an orphan, and the first shm4j
     * look ({@code exists}, {@code open}, {@code openOrCreate}, {@link SegmentInfo#attachState()},
     * the {@code shm4j} command) removes it and reports it absent. For a named file mapping the name
     * goes this way and the file stays.
     */
    REFERENCE_COUNTED,
    /** No name at all ({@code memfd}); handed to other processes explicitly. */
    ANONYMOUS
}
