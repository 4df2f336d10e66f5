package org.shm4j.internal.block;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.shm4j.internal.Messages;
import org.shm4j.internal.os.Futex;
import org.shm4j.internal.os.FutexWaitv;

/**
 * The one futex wait engine under every blocking call of the library (locks, events, semaphores,
 * {@code awaitAny}, rings): timeouts, interruption, the spin phase, and the sleep itself.
 *
 * <p><b>Virtual threads never sleep in {@code futex}.</b> A native call pins the carrier; with every
 * carrier pinned by waiters, the thread that would release them (a virtual thread that unmounted)
 * could never run again, and unrelated virtual threads starve. A virtual thread therefore
 * {@linkplain LockSupport#parkNanos parks}, which unmounts it, for a twentieth of the slice a
 * platform thread would sleep (at most {@value #MAX_VIRTUAL_PARK_NANOS} ns), and its caller
 * re-checks its condition. It does not see {@code futex_wake} and pays up to 1 ms of extra hand-off
 * latency; a platform thread sleeps in the kernel and is woken at once.
 *
 * <p>Timeouts follow one rule everywhere: a {@link Duration}, negative refused, huge saturating to
 * "no limit" ({@link #timeoutNanos}); interruption throws {@link InterruptedException} at the next
 * check, which every loop makes at least once per slice.
 */
public final class FutexWait {
    /** Length of the spin phase: long enough for a hand-off between cores, short enough not to starve a peer sharing our core. */
    public static final long SPIN_BUDGET_NANOS = 5_000;
    /**
     * When a spinning waiter yields its CPU, once: a peer that answers while spinning has answered by
     * then, and a peer we just woke from {@code futex_wait} is often queued on our own CPU (the
     * kernel places a wakee near its waker) and would otherwise wait for our whole spin.
     */
    public static final long YIELD_AFTER_NANOS = 1_000;
    /**
     * The spin state a wait starts in (see {@link #spin}): spinning, before the yield; on one CPU no
     * spinning at all. The phase is measured in time, not iterations: {@code Thread.onSpinWait()}
     * costs from 10 ns on bare metal to 150 ns in VMs that trap PAUSE.
     */
    public static final int SPINNING = Runtime.getRuntime().availableProcessors() > 1 ? 2 : 0;
    public static final long MIN_SLICE_NANOS = 1_000_000L;
    public static final long MAX_SLICE_NANOS = 20_000_000L;
    /** Virtual threads poll this many times faster than platform threads sleep. */
    public static final long VIRTUAL_DIVISOR = 20;
    /** The longest a virtual thread parks before its caller re-checks. */
    public static final long MAX_VIRTUAL_PARK_NANOS = 1_000_000L;
    /** Least time between two liveness checks of a lock holder by one waiter. */
    public static final long HOLDER_CHECK_NANOS = 10_000_000L;
    /** The most words {@link #awaitAny} takes. */
    public static final int MAX_ANY_WORDS = FutexWaitv.MAX_WORDS;
    /** Timeout value meaning "no limit". */
    public static final long FOREVER = -1;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private FutexWait() {}

    // ---- timeouts ------------------------------------------------------------------------------

    /** A timeout in nanoseconds: negative durations are refused, huge ones saturate. */
    public static long timeoutNanos(Duration timeout) {
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
    public static long deadline(long timeoutNanos) {
        long now = System.nanoTime();
        return timeoutNanos < 0 ? now : now + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
    }

    /** Nanoseconds left, at least 0; {@link Long#MAX_VALUE} when there is no limit. */
    public static long remaining(long timeoutNanos, long deadline) {
        if (timeoutNanos < 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, deadline - System.nanoTime());
    }

    public static void checkInterrupt() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    // ---- spinning ------------------------------------------------------------------------------

    /**
     * One step of a spin phase that began at {@code spinStart} in state {@code state}
     * ({@link #SPINNING}, then 1 after the yield); returns the next state, 0 when the phase is over.
     */
    public static int spin(int state, long spinStart) {
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

    public static long nextSlice(long slice) {
        return Math.min(slice * 2, MAX_SLICE_NANOS);
    }

    /** Whether a waiter whose sleep ran out should look at the holder again, at most every 10 ms. */
    public static boolean holderCheckDue(boolean sleepRanOut, long lastCheckNanos) {
        return sleepRanOut && System.nanoTime() - lastCheckNanos >= HOLDER_CHECK_NANOS;
    }

    // ---- sleeping ------------------------------------------------------------------------------

    /**
     * Sleeps while {@code word} holds {@code expected}, for at most {@code maxNanos}: in
     * {@code futex} on a platform thread, parked (unmounted) on a virtual thread. Does not look at
     * the interrupt status, except that a parked virtual thread returns at once when interrupted.
     *
     * @return true if the sleep ran out its time (no wake-up, no change seen)
     */
    public static boolean await(MemorySegment word, int expected, long maxNanos) {
        if (Thread.currentThread().isVirtual()) {
            LockSupport.parkNanos(virtualPark(maxNanos));
            return true;
        }
        return Futex.await(word, expected, Math.max(1, maxNanos)) == Futex.WaitResult.TIMED_OUT;
    }

    /**
     * {@link #await} for at most {@code slice} and {@code remaining} nanoseconds, with the interrupt
     * status checked before and after.
     *
     * @return true if the sleep ran out its time
     * @throws InterruptedException if the thread is interrupted
     */
    public static boolean sleep(MemorySegment word, int expected, long slice, long remaining)
            throws InterruptedException {
        checkInterrupt();
        boolean ranOut = await(word, expected, Math.min(slice, remaining));
        checkInterrupt();
        return ranOut;
    }

    /**
     * Sleeps until any of {@code words} no longer holds its {@code expected} value, for at most
     * {@code maxNanos} ({@code futex_waitv}; on kernels before 5.16 a 1 ms poll of the first word).
     */
    public static void awaitAny(MemorySegment[] words, int[] expected, long maxNanos) {
        if (Thread.currentThread().isVirtual()) {
            LockSupport.parkNanos(virtualPark(maxNanos));
        } else if (FutexWaitv.await(words, expected, maxNanos) == FutexWaitv.UNSUPPORTED) {
            Futex.await(words[0], expected[0], Math.min(maxNanos, MIN_SLICE_NANOS));
        }
    }

    /** Wakes up to {@code count} sleepers on {@code word}; returns how many were woken. */
    public static int wake(MemorySegment word, int count) {
        return Futex.wake(word, count);
    }

    private static long virtualPark(long maxNanos) {
        return Math.max(1, Math.min(maxNanos / VIRTUAL_DIVISOR, MAX_VIRTUAL_PARK_NANOS));
    }

    // ---- the waiters-count hand-off of rings ---------------------------------------------------

    /** Condition re-checked after registering as a waiter. */
    @FunctionalInterface
    public interface Condition {
        boolean ready();
    }

    /**
     * How long every registered sleep lasts before its one extra re-check: far longer than a store
     * takes to leave a publisher's store buffer. See {@link #sleepRegistered}.
     */
    public static final long RACE_RECHECK_NANOS = 1_000_000L;

    /**
     * Sleeps on the signal word at {@code signalOffset} of {@code header} (also passed as the
     * 4-byte slice {@code signal}, for the futex) for at most {@code maxNanos}, unless
     * {@code condition} holds after registering in the waiters count at {@code waitersOffset}.
     * Pairs with {@link #wakeIfWaiting}.
     *
     * <p>The publisher reads the waiters count without a fence after its publishing store (a full
     * fence per message would cost more than the rest of a ring's hot path). So a publication that
     * races this registration can both miss the registration and be invisible to the re-check,
     * still in the publisher's store buffer. Every sleep therefore re-checks once more after
     * {@value #RACE_RECHECK_NANOS} ns, still registered: by then such a store is visible, and every
     * publication after the registration sees it and wakes the rest of the sleep. This holds for
     * each sleep, not only the first of a wait: a waiter that slept once and registers again races
     * publications in the same way (jcstress {@code BlockingWakeupTest} under load).
     */
    public static void sleepRegistered(MemorySegment header, long signalOffset, long waitersOffset,
            MemorySegment signal, Condition condition, long maxNanos) {
        // Read before the re-check: a wake-up between the re-check and the sleep changes the word,
        // and the futex then returns at once instead of sleeping (pairs with the getAndAdd in wakeIfWaiting).
        int seen = (int) INT.getAcquire(header, signalOffset);
        // A full fence: the registration is visible before the re-check below reads the ring.
        INT.getAndAdd(header, waitersOffset, 1);
        try {
            if (condition.ready()) {
                return;
            }
            if (maxNanos <= RACE_RECHECK_NANOS) {
                await(signal, seen, maxNanos);
                return;
            }
            long begin = System.nanoTime();
            await(signal, seen, RACE_RECHECK_NANOS);
            seen = (int) INT.getAcquire(header, signalOffset);
            // The extra re-check (see above): a publication that raced the registration is visible now.
            if (condition.ready()) {
                return;
            }
            long left = maxNanos - (System.nanoTime() - begin);
            if (left > 0) {
                await(signal, seen, left);
            }
        } finally {
            INT.getAndAdd(header, waitersOffset, -1);
        }
    }

    /** Wakes every sleeper on the signal word if any registered; called after publishing. */
    public static void wakeIfWaiting(MemorySegment header, long signalOffset, long waitersOffset,
            MemorySegment signal) {
        if ((int) INT.getOpaque(header, waitersOffset) != 0) {
            INT.getAndAdd(header, signalOffset, 1);
            Futex.wake(signal, Integer.MAX_VALUE);
        }
    }
}
