package org.shm4j;

/**
 * Storage for a segment could not be reserved because its file system is full, e.g.
 * {@code not enough space for segment: name=orders, required=1073741824, free=524288, directory=/dev/shm}.
 * Raised at creation time so a full {@code /dev/shm} never surfaces later as a SIGBUS.
 */
public final class InsufficientSpaceException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    private final long requiredBytes;
    private final long freeBytes;

    public InsufficientSpaceException(String message, long requiredBytes, long freeBytes) {
        super(message, "ENOSPC");
        this.requiredBytes = requiredBytes;
        this.freeBytes = freeBytes;
    }

    /** The number of bytes the segment needed. */
    public long requiredBytes() {
        return requiredBytes;
    }

    /** The bytes the file system reported free when the reservation failed, or -1 if unknown. */
    public long freeBytes() {
        return freeBytes;
    }
}
