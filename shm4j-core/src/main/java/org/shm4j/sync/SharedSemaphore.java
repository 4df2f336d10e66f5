package org.shm4j.sync;

import static org.shm4j.sync.SyncLayout.SEMAPHORE_COUNT_MASK;
import static org.shm4j.sync.SyncLayout.SEMAPHORE_WAITERS;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.function.Consumer;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.FutexWait;
import org.shm4j.internal.block.Blocks;

/**
 * A counting semaphore shared between processes, with a maximum count, like Windows
 * {@code CreateSemaphore}. Permits are not owned: any thread of any process may release.
 *
 * <p>Taking and returning a permit are single atomic updates of the count, so a process killed
 * while waiting, or while releasing, never loses a permit; if it dies between its update and its
 * {@code futex} wake, sleeping waiters notice the permit within one 20 ms wait slice. (A process
 * killed while it <em>holds</em> a permit takes that permit with it, as on every OS: permits are
 * not owned.)
 *
 * {@snippet :
 * try (SharedSemaphore slots = SharedSemaphore.openOrCreate("render.slots", 4, 4)) {
 *     if (slots.tryAcquire(Duration.ofSeconds(1))) {
 *         try {
 *             render();
 *         } finally {
 *             slots.release();
 *         }
 *     }
 * }
 * }
 */
public final class SharedSemaphore extends SyncHandle implements Waitable {
    /** Bytes a semaphore occupies in a segment. */
    public static final long BYTES = SyncLayout.SEMAPHORE_BYTES;

    private static final long STATE = SyncLayout.STATE_OFFSET;

    private final int maximum;

    private SharedSemaphore(SyncBlock.Opened o) throws SyncException {
        super(o);
        // Read once and validated: a peer that later scribbles over it cannot change our bound.
        this.maximum = block.get(SyncLayout.U32, SyncLayout.PARAM_OFFSET);
        if (maximum <= 0) {
            throw new SyncFormatException(Messages.format("semaphore has an invalid maximum", "location", where,
                    "maximum", Integer.toUnsignedString(maximum)));
        }
    }

    /**
     * Builds a semaphore in the first {@link #BYTES} bytes of {@code at}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= initial <= maximum} and {@code maximum >= 1}
     */
    public static SharedSemaphore create(MemorySegment at, int initial, int maximum) throws IOException {
        return SyncHandle.create(at, BYTES, SyncLayout.TYPE_SEMAPHORE, init(initial, maximum), SharedSemaphore::new);
    }

    /** Attaches to the semaphore at {@code at}. */
    public static SharedSemaphore open(MemorySegment at) throws IOException {
        return SyncHandle.open(at, BYTES, SyncLayout.TYPE_SEMAPHORE, SharedSemaphore::new);
    }

    /** Attaches to the semaphore at {@code at}, building it if the memory is zero; an existing one keeps its counts. */
    public static SharedSemaphore openOrCreate(MemorySegment at, int initial, int maximum) throws IOException {
        return SyncHandle.openOrCreate(at, BYTES, SyncLayout.TYPE_SEMAPHORE, init(initial, maximum),
                SharedSemaphore::new);
    }

    /** Creates a named semaphore. @throws java.nio.file.FileAlreadyExistsException if the name exists */
    public static SharedSemaphore create(String name, int initial, int maximum, SegmentOption... options)
            throws IOException {
        return named(Blocks.Mode.CREATE, name, init(initial, maximum), options);
    }

    /** Opens a named semaphore. */
    public static SharedSemaphore open(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.OPEN, name, init(0, 1), options);
    }

    /** Opens the named semaphore or creates it, race-free. */
    public static SharedSemaphore openOrCreate(String name, int initial, int maximum, SegmentOption... options)
            throws IOException {
        return named(Blocks.Mode.OPEN_OR_CREATE, name, init(initial, maximum), options);
    }

    private static SharedSemaphore named(Blocks.Mode mode, String name, Consumer<MemorySegment> init,
            SegmentOption... options) throws IOException {
        return SyncHandle.named(mode, name, BYTES, SyncLayout.TYPE_SEMAPHORE, init, SharedSemaphore::new, options);
    }

    private static Consumer<MemorySegment> init(int initial, int maximum) {
        if (maximum < 1 || initial < 0 || initial > maximum) {
            throw new IllegalArgumentException(Messages.format("invalid semaphore counts", "initial", initial,
                    "maximum", maximum));
        }
        return block -> {
            block.set(SyncLayout.U32, STATE, initial);
            block.set(SyncLayout.U32, SyncLayout.PARAM_OFFSET, maximum);
        };
    }

    /** Takes a permit if one is free, without waiting. */
    public boolean tryAcquire() throws CorruptStateException {
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            int count = count(c);
            if (count == 0) {
                return false;
            }
            // Acquire via the CAS: pairs with the releasing CAS in release().
            if (SyncBlock.INT.compareAndSet(block, STATE, c, c - 1)) {
                return true;
            }
        }
    }

    /** Takes a permit, waiting without limit. */
    public void acquire() throws InterruptedException, CorruptStateException {
        acquireNanos(FutexWait.FOREVER);
    }

    /**
     * Takes a permit, waiting at most {@code timeout}.
     *
     * @return false if no permit came in time
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws CorruptStateException if the count word holds a value above the maximum
     */
    public boolean tryAcquire(Duration timeout) throws InterruptedException, CorruptStateException {
        return acquireNanos(FutexWait.timeoutNanos(timeout));
    }

    boolean acquireNanos(long timeoutNanos) throws InterruptedException, CorruptStateException {
        return SyncBlock.takeOrSleep(this::tryAcquire, block, word, SEMAPHORE_COUNT_MASK, SEMAPHORE_WAITERS, timeoutNanos);
    }

    /** Returns one permit; see {@link #release(int)}. */
    public boolean release() throws CorruptStateException {
        return release(1);
    }

    /**
     * Returns {@code permits} permits, like {@code ReleaseSemaphore}.
     *
     * @return false, changing nothing, if the count would exceed the maximum ({@code ERROR_TOO_MANY_POSTS})
     * @throws IllegalArgumentException if {@code permits} is not positive
     */
    public boolean release(int permits) throws CorruptStateException {
        if (permits <= 0) {
            throw new IllegalArgumentException(Messages.format("permits must be positive", "permits", permits));
        }
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            int count = count(c);
            if (permits > maximum - count) {
                return false;
            }
            int n = c + permits;
            // Release via the CAS: pairs with the acquiring CAS in tryAcquire().
            if (SyncBlock.INT.compareAndSet(block, STATE, c, n)) {
                if ((c & SEMAPHORE_WAITERS) != 0 && FutexWait.wake(word, permits) == 0) {
                    // Nobody was asleep: drop the hint; a waiter about to sleep sees the word change.
                    SyncBlock.INT.compareAndSet(block, STATE, n, n & ~SEMAPHORE_WAITERS);
                }
                return true;
            }
        }
    }

    /** Permits free now. */
    public int available() throws CorruptStateException {
        return count((int) SyncBlock.INT.getVolatile(block, STATE));
    }

    /** The maximum count, as the creator set it. */
    public int maximum() {
        return maximum;
    }

    private int count(int c) throws CorruptStateException {
        int count = c & SEMAPHORE_COUNT_MASK;
        if (count > maximum) {
            throw new CorruptStateException(Messages.format("semaphore count above its maximum", "location", where,
                    "state", SyncBlock.hex(c), "maximum", maximum), c);
        }
        return count;
    }

    @Override
    public String toString() {
        return Messages.format("SharedSemaphore", "location", where, "maximum", maximum, "state",
                SyncBlock.hex((int) SyncBlock.INT.getVolatile(block, STATE)));
    }
}
