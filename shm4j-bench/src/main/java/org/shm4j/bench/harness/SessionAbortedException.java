package org.shm4j.bench.harness;

import java.io.IOException;

/** A benchmark session ran out of time or was aborted (peer died, watchdog fired). */
public final class SessionAbortedException extends IOException {
    private static final long serialVersionUID = 1L;

    public SessionAbortedException(String message) {
        super(message);
    }
}
