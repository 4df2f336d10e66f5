package org.shm4j.ring;

import static org.shm4j.ring.RingRegion.INT;

import java.lang.foreign.MemorySegment;
import org.shm4j.internal.os.Futex;

/**
 * The futex hand-off shared by all rings: a side that waits registers in a waiters count, re-checks
 * its condition, and sleeps on a signal word; the other side, after publishing, reads the waiters
 * count and, if non-zero, bumps the signal word and wakes.
 *
 * <p>The publishing side does not fence between its publishing store and its read of the waiters
 * count (that would cost a full fence per message). A waiter can therefore register, re-check, and
 * miss a publication that is still in the publisher's store buffer, while the publisher read the
 * count before the registration. The waiter's first sleep after it last made progress is therefore
 * capped at {@link #RECHECK_NANOS}: by then the store has long drained, the re-check sees it, and
 * every later publication sees the registration.
 */
final class Waits {
    /** Longest first sleep; covers a publication missed through the store-buffer race. */
    static final long RECHECK_NANOS = 1_000_000L;
    /** Longest sleep at all, so {@link Thread#interrupt()} is noticed within a second. */
    static final long MAX_SLEEP_NANOS = 1_000_000_000L;

    private Waits() {}

    /** Condition re-checked after registering as a waiter. */
    interface Condition {
        boolean ready();
    }

    /** The kernel sleep of a blocking wait, for at most {@code maxNanos}. */
    interface Sleep {
        void sleep(long maxNanos);
    }

    /**
     * One idle step of a timed wait with {@code wait}: spin, yield or {@code sleep}, as the
     * strategy says for the {@code idle}-th step since {@code begin}.
     *
     * @return false once {@code timeoutNanos} have passed since {@code begin}
     * @throws InterruptedException if the thread is interrupted
     */
    static boolean pause(WaitStrategy wait, int idle, long begin, long timeoutNanos, Sleep sleep)
            throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long left = timeoutNanos - (System.nanoTime() - begin);
        if (left <= 0) {
            return false;
        }
        switch (wait) {
            case WaitStrategy.BusySpin b -> WaitStrategy.BusySpin.spin(idle);
            case WaitStrategy.SpinThenYield s -> {
                if (idle < s.spins()) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            case WaitStrategy.Blocking b -> {
                if (idle < b.spins()) {
                    Thread.onSpinWait();
                } else {
                    // The first sleep is short: it covers a publication missed through the
                    // store-buffer race described above.
                    sleep.sleep(Math.min(left, idle == b.spins() ? RECHECK_NANOS : MAX_SLEEP_NANOS));
                }
            }
        }
        return true;
    }

    /**
     * Sleeps on {@code signal} for at most {@code maxNanos} unless {@code condition} holds after
     * registering in the waiters count at {@code waitersOffset}.
     */
    static void sleep(MemorySegment header, long signalOffset, long waitersOffset, MemorySegment signal,
            Condition condition, long maxNanos) {
        // Read before the re-check: a wake-up between the re-check and the sleep changes the word,
        // and the futex then returns at once instead of sleeping (pairs with the getAndAdd in wake).
        int seen = (int) INT.getAcquire(header, signalOffset);
        // A full fence: the registration is visible before the re-check below reads the ring.
        INT.getAndAdd(header, waitersOffset, 1);
        try {
            if (condition.ready()) {
                return;
            }
            Futex.await(signal, seen, Math.max(1, maxNanos));
        } finally {
            INT.getAndAdd(header, waitersOffset, -1);
        }
    }

    /** Wakes every sleeper on {@code signal} if any registered; called after publishing. */
    static void wakeIfWaiting(MemorySegment header, long signalOffset, long waitersOffset, MemorySegment signal) {
        if ((int) INT.getOpaque(header, waitersOffset) != 0) {
            INT.getAndAdd(header, signalOffset, 1);
            Futex.wake(signal, Integer.MAX_VALUE);
        }
    }

    static long toNanos(java.time.Duration timeout) {
        java.util.Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
