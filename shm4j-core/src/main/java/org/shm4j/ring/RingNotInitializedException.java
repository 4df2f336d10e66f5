package org.shm4j.ring;

/**
 * A ring's header was never published: its creator died during initialisation, or did not finish
 * within the open timeout. The magic is stored last, so a half-built ring is always recognised;
 * opening never hangs on one.
 */
public final class RingNotInitializedException extends RingFormatException {
    private static final long serialVersionUID = 1L;

    public RingNotInitializedException(String message) {
        super(message);
    }
}
