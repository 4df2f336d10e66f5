package org.shm4j.sync;

/**
 * What {@link SharedMutex#withLock} and {@link SharedReadWriteLock#withWriteLock} run while they
 * hold the lock.
 *
 * @param <X> the checked exception the action may throw
 */
@FunctionalInterface
public interface LockedAction<X extends Exception> {
    void run() throws X;
}
