package org.shm4j.sync;

/**
 * The memory at a location (or in a named object) is not a usable synchronization object of the
 * expected kind: no magic, a half-built block whose creator never finished, another type, an
 * unsupported layout version, too small, or made in another PID namespace.
 */
public final class SyncFormatException extends SyncException {
    private static final long serialVersionUID = 1L;

    SyncFormatException(String message) {
        super(message);
    }
}
