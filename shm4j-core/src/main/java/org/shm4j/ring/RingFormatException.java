package org.shm4j.ring;

import org.shm4j.SharedMemoryException;

/**
 * A segment does not hold a ring this library can use: foreign magic, another layout version, a
 * different ring type than asked for, or header fields that do not fit the segment. Thrown by the
 * factories that open or attach, before anything acts on the header.
 */
public class RingFormatException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    public RingFormatException(String message) {
        super(message);
    }
}
