package org.shm4j.sync;

import org.shm4j.SharedMemoryException;

/**
 * A synchronization object cannot be used: its memory is not a valid object of the expected kind,
 * holds a corrupt state, or was left unrecoverable. Catch this type to handle every such failure
 * at once; its subclasses say which.
 */
public class SyncException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    SyncException(String message) {
        super(message);
    }
}
