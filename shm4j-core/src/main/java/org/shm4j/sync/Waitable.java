package org.shm4j.sync;

/**
 * An object {@link SyncWait#awaitAny} can wait for: an event (signaled when set) or a semaphore
 * (signaled while it has permits).
 */
public sealed interface Waitable permits SharedEvent, SharedSemaphore {
    /**
     * Takes the object if it is signaled now, without waiting: reads a manual-reset event,
     * consumes an auto-reset event's signal, or takes one permit.
     *
     * @return whether it was signaled (and is now taken)
     */
    boolean tryTake() throws CorruptStateException;
}
