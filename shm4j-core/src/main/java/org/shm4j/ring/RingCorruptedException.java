package org.shm4j.ring;

/**
 * A value read from the ring's shared memory breaks the ring's invariants: a negative or oversized
 * length, a record that would cross the end of the data region, a negative type id, a position
 * that moved backwards or more than the capacity ahead, an unknown record state. Another process
 * wrote it (a bug or hostile peer); the ring cannot be trusted any more. Unchecked, because it is
 * thrown from the hot paths ({@code poll}, {@code offer}); no out-of-bounds access happens first:
 * every value is copied to a local and validated before it is used.
 */
public final class RingCorruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RingCorruptedException(String message) {
        super(message);
    }
}
