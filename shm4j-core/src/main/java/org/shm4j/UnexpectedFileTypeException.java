package org.shm4j;

/**
 * The name refers to something that is not a regular file (a symbolic link, a directory, a FIFO,
 * a socket or a device). shm4j never follows a link or maps such an object; the message names
 * what was found.
 */
public final class UnexpectedFileTypeException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    public UnexpectedFileTypeException(String message) {
        super(message);
    }
}
