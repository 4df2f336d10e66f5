package org.shm4j.sync;

/**
 * Repairs the data a lock protects after its previous holder died holding it
 * ({@link LockResult#OWNER_DIED}): the {@code WAIT_ABANDONED} / {@code EOWNERDEAD} branch. Returning
 * normally declares the data consistent again; throwing leaves the lock not recoverable.
 *
 * @param <X> the checked exception the repair may throw
 */
@FunctionalInterface
public interface Repair<X extends Exception> {
    void repair() throws X;
}
