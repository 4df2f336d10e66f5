package org.shm4j.sync;

/**
 * The lock's holder died, the process that recovered it released it without calling
 * {@code markConsistent()}, so the data it protects is presumed inconsistent and the lock can never
 * be taken again ({@code ENOTRECOVERABLE}). Remove and re-create the lock and its data.
 */
public final class NotRecoverableException extends SyncException {
    private static final long serialVersionUID = 1L;

    NotRecoverableException(String message) {
        super(message);
    }
}
