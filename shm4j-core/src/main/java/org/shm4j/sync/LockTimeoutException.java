package org.shm4j.sync;

import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;

/**
 * A lock was not acquired within the caller's timeout. The message names the holder's PID and
 * whether it was alive when the wait gave up; a live holder is never robbed of its lock, however
 * slow it is (it may be stopped, swapped out or stuck).
 */
public final class LockTimeoutException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    private final long holderPid;

    LockTimeoutException(String message, long holderPid) {
        super(message);
        this.holderPid = holderPid;
    }

    /** The PID that held the lock when the wait gave up; empty when readers held it. */
    public OptionalLong holderPid() {
        return holderPid > 0 ? OptionalLong.of(holderPid) : OptionalLong.empty();
    }
}
