package org.shm4j.sync;

/**
 * A synchronization word holds a value the protocol never writes: a broken or hostile peer wrote
 * over it. shm4j reports it instead of spinning or waiting on it. The object cannot be trusted any
 * more; remove and re-create it.
 */
public final class CorruptStateException extends SyncException {
    private static final long serialVersionUID = 1L;

    private final int state;

    CorruptStateException(String message, int state) {
        super(message);
        this.state = state;
    }

    /** The offending 32-bit state word. */
    public int state() {
        return state;
    }
}
