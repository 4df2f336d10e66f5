package org.shm4j.map;

import org.shm4j.SharedMemoryException;

/**
 * Memory (a named object or a caller's segment) does not hold a map this library can use: foreign
 * magic, another layout version, header fields that do not fit together or do not fit the
 * segment, a map whose creator died before finishing it, or one still half-built when the open
 * timeout ended. Thrown by the factories that open, before anything acts on the header.
 */
public class MapFormatException extends SharedMemoryException {
    private static final long serialVersionUID = 1L;

    public MapFormatException(String message) {
        super(message);
    }
}
