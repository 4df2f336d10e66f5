package org.shm4j.ring;

import org.shm4j.SharedMemoryException;

/**
 * A role that only one process may hold is held by a live process: the producer of an
 * {@link SpscRing}, the consumer of a ring, the transmitter of a {@link BroadcastRing}, or all
 * producer slots of an {@link MpscRing}. A role whose holder died is taken over instead.
 */
public final class RingBusyException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    public RingBusyException(String message) {
        super(message);
    }
}
