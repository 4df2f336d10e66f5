package org.shm4j.sync;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.FutexWait;

/**
 * Waiting for the first of several events and semaphores, like {@code WaitForMultipleObjects}
 * with {@code bWaitAll = FALSE}.
 *
 * {@snippet :
 * OptionalInt which = SyncWait.awaitAny(Duration.ofSeconds(1), orderArrived, shutdown);
 * if (which.isPresent() && which.getAsInt() == 1) {
 *     return; // shutdown was set
 * }
 * }
 *
 * <p>Platform threads sleep in one {@code futex_waitv} call on all the words (Linux 5.16+; older
 * kernels poll every 1 ms); virtual threads park and poll, as every wait in this package does.
 */
public final class SyncWait {
    private SyncWait() {}

    /**
     * Waits until one of {@code objects} is signaled and takes exactly that one (an auto-reset event's
     * signal or one permit); objects earlier in the array win when several are signaled.
     *
     * @return the index of the object taken, or empty if none was signaled within {@code timeout}
     * @throws IllegalArgumentException if there are no objects or more than 128
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws CorruptStateException if an object's word holds a value the protocol never writes
     */
    public static OptionalInt awaitAny(Duration timeout, Waitable... objects)
            throws InterruptedException, CorruptStateException {
        long timeoutNanos = FutexWait.timeoutNanos(timeout);
        Objects.requireNonNull(objects, "objects");
        if (objects.length == 0 || objects.length > FutexWait.MAX_ANY_WORDS) {
            throw new IllegalArgumentException(Messages.format("awaitAny takes 1 to 128 objects", "objects",
                    objects.length));
        }
        MemorySegment[] words = new MemorySegment[objects.length];
        int[] waiterBits = new int[objects.length];
        for (int i = 0; i < objects.length; i++) {
            switch (Objects.requireNonNull(objects[i], "object")) {
                case SharedEvent e -> {
                    words[i] = e.word();
                    waiterBits[i] = SyncLayout.EVENT_WAITERS;
                }
                case SharedSemaphore s -> {
                    words[i] = s.word();
                    waiterBits[i] = SyncLayout.SEMAPHORE_WAITERS;
                }
            }
        }
        int[] expected = new int[objects.length];
        long deadline = FutexWait.deadline(timeoutNanos);
        int spins = FutexWait.SPINNING;
        long spinStart = System.nanoTime();
        long slice = FutexWait.MIN_SLICE_NANOS;
        outer:
        for (;;) {
            for (int i = 0; i < objects.length; i++) {
                if (tryTake(objects[i])) {
                    passOnWakes(objects, words, waiterBits, i);
                    return OptionalInt.of(i);
                }
            }
            if (spins > 0) {
                spins = FutexWait.spin(spins, spinStart);
                continue;
            }
            long remaining = FutexWait.remaining(timeoutNanos, deadline);
            if (remaining == 0) {
                return OptionalInt.empty();
            }
            FutexWait.checkInterrupt();
            for (int i = 0; i < objects.length; i++) {
                int c = (int) SyncBlock.INT.getVolatile(words[i], 0L);
                if (signaled(objects[i], c)) {
                    continue outer;
                }
                if ((c & waiterBits[i]) == 0 && !SyncBlock.INT.compareAndSet(words[i], 0L, c, c | waiterBits[i])) {
                    continue outer;
                }
                expected[i] = c | waiterBits[i];
            }
            FutexWait.awaitAny(words, expected, Math.min(slice, remaining));
            FutexWait.checkInterrupt();
            slice = FutexWait.nextSlice(slice);
        }
    }

    /** Takes the object if it is signaled now: an event's tryAwait, a semaphore's tryAcquire. */
    private static boolean tryTake(Waitable w) throws CorruptStateException {
        return switch (w) {
            case SharedEvent e -> e.tryAwait();
            case SharedSemaphore s -> s.tryAcquire();
        };
    }

    private static boolean signaled(Waitable w, int c) {
        return switch (w) {
            case SharedEvent e -> (c & SyncLayout.SIGNALED) != 0;
            case SharedSemaphore s -> (c & SyncLayout.SEMAPHORE_COUNT_MASK) != 0;
        };
    }

    /**
     * The wake that woke us may have come from an object we did not take (an auto-reset event's
     * {@code set()} or a semaphore's {@code release()} wakes one sleeper). Pass it on, so another
     * sleeper on that object is not left asleep while it is signaled.
     */
    private static void passOnWakes(Waitable[] objects, MemorySegment[] words, int[] waiterBits, int taken) {
        for (int j = 0; j < objects.length; j++) {
            if (j == taken) {
                continue;
            }
            int c = (int) SyncBlock.INT.getVolatile(words[j], 0L);
            if (signaled(objects[j], c) && (c & waiterBits[j]) != 0) {
                FutexWait.wake(words[j], 1);
            }
        }
    }
}
