package org.shm4j.internal.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Process-shared futex waits and wakes on a 32-bit word inside a mapped segment. The word must be
 * 4-byte aligned and inside a {@code MAP_SHARED} mapping; the kernel keys a shared futex by the
 * backing page, so two processes mapping the same object at different addresses meet.
 *
 * <p>Callers re-check their condition after every return: wakes can be spurious.
 */
public final class Futex {
    private static final long SYS_FUTEX = 202; // x86-64; aarch64 uses 98 (SYSCALL_NUMBER below)
    private static final long SYSCALL_NUMBER = "aarch64".equals(System.getProperty("os.arch")) ? 98 : SYS_FUTEX;
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;

    /** Outcome of {@link #await}. */
    public enum WaitResult { WOKEN, VALUE_CHANGED, TIMED_OUT, INTERRUPTED }

    private static final ThreadLocal<MemorySegment> TIMESPEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    private Futex() {}

    /**
     * Sleeps while the word at {@code word} still holds {@code expected}, for at most
     * {@code timeoutNanos} (negative: no limit).
     */
    public static WaitResult await(MemorySegment word, int expected, long timeoutNanos) {
        MemorySegment timeout = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            timeout = TIMESPEC.get();
            timeout.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timeout.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        }
        MemorySegment errno = Native.errnoBuffer();
        long rc;
        try {
            rc = (long) Libc.SYSCALL_FUTEX.invokeExact(errno, SYSCALL_NUMBER, word, FUTEX_WAIT, expected, timeout,
                    MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw LinuxOs.rethrow(t);
        }
        if (rc == 0) {
            return WaitResult.WOKEN;
        }
        int e = Native.lastErrno(errno);
        return switch (e) {
            case Errno.EAGAIN -> WaitResult.VALUE_CHANGED;
            case Errno.ETIMEDOUT -> WaitResult.TIMED_OUT;
            case Errno.EINTR -> WaitResult.INTERRUPTED;
            default -> throw new IllegalStateException(
                    org.shm4j.internal.Messages.format("futex wait failed", "address",
                            "0x" + Long.toHexString(word.address()), "errno", Errno.name(e)));
        };
    }

    /**
     * Wakes at most {@code count} waiters on the word; returns how many were woken. The fast path
     * neither captures errno nor changes thread state (see {@code Libc.SYSCALL_FUTEX_WAKE}); only a
     * failed wake, which a valid word never causes, is repeated with errno capture for the message
     * (an extra wake is harmless: every waiter re-checks its condition).
     */
    public static int wake(MemorySegment word, int count) {
        long rc;
        try {
            rc = (long) Libc.SYSCALL_FUTEX_WAKE.invokeExact(SYSCALL_NUMBER, word, FUTEX_WAKE, count, MemorySegment.NULL,
                    MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw LinuxOs.rethrow(t);
        }
        return rc >= 0 ? (int) rc : wakeReportingErrno(word, count);
    }

    private static int wakeReportingErrno(MemorySegment word, int count) {
        MemorySegment errno = Native.errnoBuffer();
        long rc;
        try {
            rc = (long) Libc.SYSCALL_FUTEX.invokeExact(errno, SYSCALL_NUMBER, word, FUTEX_WAKE, count, MemorySegment.NULL,
                    MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw LinuxOs.rethrow(t);
        }
        if (rc < 0) {
            throw new IllegalStateException(org.shm4j.internal.Messages.format("futex wake failed", "address",
                    "0x" + Long.toHexString(word.address()), "errno", Errno.name(Native.lastErrno(errno))));
        }
        return (int) rc;
    }
}
