package org.shm4j;

import java.io.IOException;
import java.util.Optional;

/**
 * An operating-system call made on behalf of shm4j failed in a way no more specific exception
 * describes. The message names the call, the object and the OS error, e.g.
 * {@code mmap failed: name=orders, length=4096, errno=ENOMEM}.
 */
public class SharedMemoryException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String errno;

    /** Creates an exception with a message built by shm4j and the symbolic errno, if any. */
    public SharedMemoryException(String message, String errno) {
        super(message);
        this.errno = errno;
    }

    /** Creates an exception that is not the direct result of one failed call. */
    public SharedMemoryException(String message) {
        this(message, null);
    }

    /** The symbolic OS error ({@code ENOMEM}, {@code EINVAL}, ...) when one call failed. */
    public Optional<String> errno() {
        return Optional.ofNullable(errno);
    }
}
