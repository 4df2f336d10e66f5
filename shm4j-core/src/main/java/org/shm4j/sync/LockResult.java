package org.shm4j.sync;

/**
 * How a lock was acquired. Both values mean the caller now holds the lock.
 *
 * <p>{@link #OWNER_DIED} is {@code EOWNERDEAD} / {@code WAIT_ABANDONED}: the previous holder
 * died while holding the lock, so the data it protects may be half-updated. The new holder repairs
 * the data and calls {@code markConsistent()} before unlocking; if it unlocks without doing so,
 * the lock becomes not recoverable and every later locker gets {@link NotRecoverableException}.
 */
public enum LockResult {
    /** The lock was free or released normally. */
    ACQUIRED,
    /** The previous holder died holding the lock; repair, then {@code markConsistent()}. */
    OWNER_DIED;

    /** Whether the previous holder died. */
    public boolean ownerDied() {
        return this == OWNER_DIED;
    }
}
