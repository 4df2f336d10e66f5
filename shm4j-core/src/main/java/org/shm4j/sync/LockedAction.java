package org.shm4j.sync;

/**
 * What {@link SharedMutex#withLock} and {@link SharedReadWriteLock#withWriteLock} run while they
 * hold the lock.
 *
 * @param <T> the action's result
 * @param <X> the checked exception the action may throw
 */
@FunctionalInterface
public interface LockedAction<T, X extends Exception> {
    T run() throws X;
}
