package org.shm4j.sync;

/**
 * An object {@link SyncWait#awaitAny} can wait for: an event (signaled when set) or a semaphore
 * (signaled while it has permits).
 */
public sealed interface Waitable permits SharedEvent, SharedSemaphore {
}
