package org.shm4j.sync;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.shm4j.internal.Messages;
import org.shm4j.internal.os.Futex;

/**
 * How every wait in this package waits: spin about 5 us (yielding the CPU once, about 1 us in,
 * see {@link #YIELD_AT}), then sleep in {@code futex} in bounded
 * slices (platform threads) or park-and-poll (virtual threads, see below). A slice ends early when the word changes or a waker calls {@code futex_wake}; at the end
 * of each slice the caller re-checks its condition, its deadline, the thread's interrupt status,
 * and (for locks) whether the holder still lives. Slices start at {@value #MIN_SLICE_NANOS} ns and
 * double up to {@value #MAX_SLICE_NANOS} ns, so an interrupt or a dead holder is noticed within
 * 20 ms, and a wake-up lost because a waker died between its store and its {@code futex_wake} is
 * late by at most one slice.
 *
 * <p>A virtual thread never sleeps in {@code futex}: a native call pins its carrier, and with
 * every carrier pinned by waiters the holder (a virtual thread that unmounted while holding the
 * lock) could never run again to release it. Virtual threads instead park, which unmounts them,
 * for 50 us growing to 1 ms, and re-check; they ignore {@code futex_wake} and pay up to 1 ms of
 * extra hand-off latency.
 */
final class Waiting {
    /** Length of the spin phase: long enough for a hand-off between cores, short enough not to starve a peer sharing our core. */
    static final long SPIN_BUDGET_NANOS = 5_000;
    /**
     * When a spinning waiter yields its CPU, once: a peer that answers while spinning has answered by
     * then, and a peer we just woke from {@code futex_wait} is often queued on our own CPU (the
     * kernel places a wakee near its waker) and would otherwise wait for our whole spin before it
     * can run and answer.
     */
    static final long YIELD_AFTER_NANOS = 1_000;
    /**
     * The spin state a wait starts in (see {@link #spin}): spinning, before the yield; on one CPU
     * no spinning at all. The phase is measured in time, not iterations: {@code Thread.onSpinWait()}
     * costs from 10 ns on bare metal to 150 ns in VMs that trap PAUSE, and a calibration run at
     * start-up is easily disturbed by preemption on a loaded machine.
     */
    static final int SPINNING = Runtime.getRuntime().availableProcessors() > 1 ? 2 : 0;
    static final long MIN_SLICE_NANOS = 1_000_000L;
    static final long MAX_SLICE_NANOS = 20_000_000L;
    /** Virtual threads poll this many times faster than platform threads sleep. */
    static final long VIRTUAL_DIVISOR = 20;
    /** Least time between two liveness checks of a lock holder by one waiter. */
    static final long HOLDER_CHECK_NANOS = 10_000_000L;
    /** Timeout value meaning "no limit". */
    static final long FOREVER = -1;

    private Waiting() {}

    /**
     * One step of a spin phase that began at {@code spinStart} in state {@code state}
     * ({@link #SPINNING}, then 1 after the yield); returns the next state, 0 when the phase is over.
     * A step is a {@code Thread.onSpinWait()}, except one {@code Thread.yield()} after
     * {@link #YIELD_AFTER_NANOS}.
     */
    static int spin(int state, long spinStart) {
        long elapsed = System.nanoTime() - spinStart;
        if (elapsed >= SPIN_BUDGET_NANOS) {
            return 0;
        }
        if (state == 2 && elapsed >= YIELD_AFTER_NANOS) {
            Thread.yield();
            return 1;
        }
        Thread.onSpinWait();
        return state;
    }

    /** A timeout in nanoseconds: negative durations are refused, huge ones saturate. */
    static long timeoutNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(Messages.format("negative timeout", "timeout", timeout));
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The deadline for a timeout; meaningless when {@code timeoutNanos} is {@link #FOREVER}. */
    static long deadline(long timeoutNanos) {
        long now = System.nanoTime();
        return timeoutNanos < 0 ? now : now + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
    }

    /** Nanoseconds left, at least 0; {@link Long#MAX_VALUE} when there is no limit. */
    static long remaining(long timeoutNanos, long deadline) {
        if (timeoutNanos < 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, deadline - System.nanoTime());
    }

    static void checkInterrupt() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /**
     * Sleeps while {@code word} holds {@code expected}, for at most {@code slice} and {@code remaining}
     * nanoseconds.
     *
     * @return true if the sleep ran out its time (nobody woke us, the word did not change)
     */
    static boolean sleep(MemorySegment word, int expected, long slice, long remaining) throws InterruptedException {
        checkInterrupt();
        if (Thread.currentThread().isVirtual()) {
            LockSupport.parkNanos(Math.min(slice / VIRTUAL_DIVISOR, remaining));
            checkInterrupt();
            return true;
        }
        Futex.WaitResult r = Futex.await(word, expected, Math.min(slice, remaining));
        checkInterrupt();
        return r == Futex.WaitResult.TIMED_OUT;
    }

    /** Whether a waiter whose sleep ran out should look at the holder again, at most every 10 ms. */
    static boolean holderCheckDue(boolean sleepRanOut, long lastCheckNanos) {
        return sleepRanOut && System.nanoTime() - lastCheckNanos >= HOLDER_CHECK_NANOS;
    }

    static long nextSlice(long slice) {
        return Math.min(slice * 2, MAX_SLICE_NANOS);
    }

    /**
     * The wait loop of events and semaphores: take the object if it is signaled, spin briefly,
     * then set the waiters bit and sleep on the state word until the deadline. A setter or releaser
     * that sees the waiters bit wakes the word; {@code available} bits set in the state mean there
     * is something to take (a signal, a permit), so the loop tries again instead of sleeping.
     *
     * @param block the object's block; its state word is at {@link SyncLayout#STATE_OFFSET}
     * @param word the state word as a 4-byte slice, for the futex
     * @param availableMask state bits that, when any is set, mean {@code target.tryTake()} may succeed
     * @param waitersBit the state bit that tells setters someone may sleep
     * @return true once taken; false on timeout
     */
    static boolean takeOrSleep(Waitable target, MemorySegment block, MemorySegment word, int availableMask,
            int waitersBit, long timeoutNanos) throws InterruptedException, CorruptStateException {
        if (target.tryTake()) {
            return true;
        }
        checkInterrupt();
        long deadline = deadline(timeoutNanos);
        int spins = SPINNING;
        long spinStart = System.nanoTime();
        long slice = MIN_SLICE_NANOS;
        for (;;) {
            if (target.tryTake()) {
                return true;
            }
            if (spins > 0) {
                spins = spin(spins, spinStart);
                continue;
            }
            long remaining = remaining(timeoutNanos, deadline);
            if (remaining == 0) {
                return false;
            }
            int c = (int) SyncBlock.INT.getVolatile(block, SyncLayout.STATE_OFFSET);
            if ((c & availableMask) != 0) {
                continue;
            }
            // The bit is set before sleeping on the value that carries it: a setter's exchange
            // that follows sees it and wakes us, or changes the word so the futex wait returns at once.
            if ((c & waitersBit) == 0 && !SyncBlock.INT.compareAndSet(block, SyncLayout.STATE_OFFSET, c, c | waitersBit)) {
                continue;
            }
            sleep(word, c | waitersBit, slice, remaining);
            slice = nextSlice(slice);
        }
    }
}
