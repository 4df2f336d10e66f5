package org.shm4j.aeron;

import org.shm4j.SharedMemoryException;

/** A live process already runs this bridge end (same ring, role and stream id). */
public final class BridgeBusyException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    BridgeBusyException(String message) {
        super(message);
    }
}
