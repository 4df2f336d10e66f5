package org.shm4j;

/**
 * A segment name failed validation before any system call was made, e.g.
 * {@code invalid segment name: name="a/b", reason=contains '/' after the leading slashes}.
 */
public final class InvalidNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidNameException(String message) {
        super(message);
    }
}
