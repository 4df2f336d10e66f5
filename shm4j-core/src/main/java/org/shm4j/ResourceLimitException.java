package org.shm4j;

/**
 * The system refused a resource the caller asked for explicitly: locking pages in memory beyond
 * {@code RLIMIT_MEMLOCK}, huge pages when none are configured, more mappings than
 * {@code vm.max_map_count}. The message says which limit and how to raise it.
 */
public final class ResourceLimitException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    public ResourceLimitException(String message, String errno) {
        super(message, errno);
    }
}
