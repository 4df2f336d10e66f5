package org.shm4j.sync;

import static org.shm4j.sync.SyncLayout.EVENT_WAITERS;
import static org.shm4j.sync.SyncLayout.SIGNALED;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.shm4j.MappedView;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.FutexWait;
import org.shm4j.internal.block.Blocks;

/**
 * An event shared between processes, with Windows semantics ({@code CreateEvent}): a
 * {@link EventReset#MANUAL manual-reset} event stays set and releases every waiter until
 * {@link #reset()}; an {@link EventReset#AUTO auto-reset} event releases exactly one waiter and
 * clears itself, or stays set until one comes. There is no pulse: a {@link #set()} is never lost.
 *
 * <p>{@link #set()} publishes: whatever the setter wrote before {@code set()} is visible to a
 * waiter that returns because of it. A waiter killed while waiting takes nothing with it; a setter
 * killed between its store and its wake delays sleeping waiters by at most one 20 ms wait slice.
 *
 * {@snippet :
 * try (SharedEvent ready = SharedEvent.openOrCreate("orders.ready", EventReset.AUTO)) {
 *     if (ready.tryAwait(Duration.ofSeconds(1))) {
 *         consumeOrders();
 *     }
 * }
 * }
 */
public final class SharedEvent extends SyncHandle implements Waitable {
    /** Bytes an event occupies in a segment. */
    public static final long BYTES = SyncLayout.EVENT_BYTES;

    private static final long STATE = SyncLayout.STATE_OFFSET;
    private static final int VALID = SIGNALED | EVENT_WAITERS;

    private final EventReset reset;

    private SharedEvent(SyncBlock.Opened o) throws SyncException {
        super(o);
        // Read once: a peer that later scribbles over the parameter cannot change our behaviour.
        int param = block.get(SyncLayout.U32, SyncLayout.PARAM_OFFSET);
        this.reset = switch (param) {
            case 0 -> EventReset.MANUAL;
            case 1 -> EventReset.AUTO;
            default -> throw new SyncFormatException(Messages.format("event has an unknown reset kind", "location",
                    where, "param", param));
        };
    }

    /**
     * Builds a new, cleared event in the first {@link #BYTES} bytes of {@code at} (zeroed, writable,
     * native, 8-byte aligned).
     *
     * @throws java.nio.file.FileAlreadyExistsException if a synchronization object is already there
     */
    public static SharedEvent create(MemorySegment at, EventReset reset) throws IOException {
        return SyncHandle.create(at, BYTES, SyncLayout.TYPE_EVENT, init(reset), SharedEvent::new);
    }

    /** Attaches to the event at {@code at}; its reset kind is the creator's. */
    public static SharedEvent open(MemorySegment at) throws IOException {
        return SyncHandle.open(at, BYTES, SyncLayout.TYPE_EVENT, SharedEvent::new);
    }

    /** Attaches to the event at {@code at}, building it if the memory is zero; an existing event keeps its reset kind. */
    public static SharedEvent openOrCreate(MemorySegment at, EventReset reset) throws IOException {
        return SyncHandle.openOrCreate(at, BYTES, SyncLayout.TYPE_EVENT, init(reset), SharedEvent::new);
    }

    /**
     * Creates a named event, cleared, like {@code CreateEvent} with a new name.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     */
    public static SharedEvent create(String name, EventReset reset, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.CREATE, name, reset, options);
    }

    /** Opens a named event, like {@code OpenEvent}. */
    public static SharedEvent open(String name, SegmentOption... options) throws IOException {
        return named(Blocks.Mode.OPEN, name, EventReset.MANUAL, options);
    }

    /** Opens the named event or creates it, race-free; an existing event keeps its reset kind. */
    public static SharedEvent openOrCreate(String name, EventReset reset, SegmentOption... options)
            throws IOException {
        return named(Blocks.Mode.OPEN_OR_CREATE, name, reset, options);
    }

    private static SharedEvent named(Blocks.Mode mode, String name, EventReset reset, SegmentOption... options)
            throws IOException {
        return SyncHandle.named(mode, name, BYTES, SyncLayout.TYPE_EVENT, init(reset), SharedEvent::new, options);
    }

    private static java.util.function.Consumer<MemorySegment> init(EventReset reset) {
        java.util.Objects.requireNonNull(reset, "reset");
        return block -> {
            block.set(SyncLayout.U32, STATE, 0);
            block.set(SyncLayout.U32, SyncLayout.PARAM_OFFSET, reset == EventReset.AUTO ? 1 : 0);
        };
    }

    /**
     * Sets the event. A manual-reset event releases every waiter and stays set; an auto-reset event
     * releases one waiter (or the next to come) and clears itself.
     */
    public void set() throws CorruptStateException {
        if (reset == EventReset.MANUAL) {
            // Release (and full fence): pairs with the acquire load in await. Clearing WAITERS is safe
            // because everyone asleep is woken right after.
            int prev = (int) SyncBlock.INT.getAndSet(block, STATE, SIGNALED);
            check(prev);
            if ((prev & EVENT_WAITERS) != 0) {
                FutexWait.wake(word, Integer.MAX_VALUE);
            }
            return;
        }
        // One atomic OR (release, full fence): pairs with the consuming CAS in tryConsume. A single
        // read-modify-write, not read-then-CAS, saves a cache-line round trip on the hand-off.
        int c = (int) SyncBlock.INT.getAndBitwiseOr(block, STATE, SIGNALED);
        check(c);
        if ((c & EVENT_WAITERS) != 0 && FutexWait.wake(word, 1) == 0) {
            // Nobody was asleep: drop the hint. A waiter about to sleep sees the word change and
            // looks again.
            SyncBlock.INT.compareAndSet(block, STATE, c | SIGNALED, SIGNALED);
        }
    }

    /** Clears the event. Waiters that have not returned yet keep waiting. */
    public void reset() throws CorruptStateException {
        for (;;) {
            int c = (int) SyncBlock.INT.getVolatile(block, STATE);
            check(c);
            if ((c & SIGNALED) == 0 || SyncBlock.INT.compareAndSet(block, STATE, c, c & ~SIGNALED)) {
                return;
            }
        }
    }

    /** Whether the event is set now (an auto-reset event is not consumed by asking). */
    public boolean isSet() throws CorruptStateException {
        int c = (int) SyncBlock.INT.getAcquire(block, STATE);
        check(c);
        return (c & SIGNALED) != 0;
    }

    /**
     * Returns at once if the event is set (consuming it if auto-reset).
     *
     * @return whether the event was set
     */
    public boolean tryAwait() throws CorruptStateException {
        return tryConsume();
    }

    /** Waits until the event is set, without limit. */
    public void await() throws InterruptedException, CorruptStateException {
        awaitNanos(FutexWait.FOREVER);
    }

    /**
     * Waits until the event is set or {@code timeout} passes.
     *
     * @return true if the event was set (and, if auto-reset, taken by this caller); false on timeout
     * @throws InterruptedException if the thread is interrupted while waiting (noticed within 20 ms)
     * @throws CorruptStateException if the event word holds a value the protocol never writes
     */
    public boolean tryAwait(Duration timeout) throws InterruptedException, CorruptStateException {
        return awaitNanos(FutexWait.timeoutNanos(timeout));
    }

    boolean awaitNanos(long timeoutNanos) throws InterruptedException, CorruptStateException {
        return SyncBlock.takeOrSleep(this::tryConsume, block, word, SIGNALED, EVENT_WAITERS, timeoutNanos);
    }

    /** Takes the event if set: reads it (manual) or clears it with a CAS (auto); both acquire. */
    private boolean tryConsume() throws CorruptStateException {
        for (;;) {
            // Acquire: pairs with the release in set().
            int c = (int) SyncBlock.INT.getAcquire(block, STATE);
            check(c);
            if ((c & SIGNALED) == 0) {
                return false;
            }
            if (reset == EventReset.MANUAL || SyncBlock.INT.compareAndSet(block, STATE, c, c & ~SIGNALED)) {
                return true;
            }
        }
    }

    /** The event's reset kind, as its creator chose it. */
    public EventReset resetKind() {
        return reset;
    }

    private void check(int c) throws CorruptStateException {
        if ((c & ~VALID) != 0) {
            throw new CorruptStateException(Messages.format("event state word is corrupt", "location", where,
                    "state", SyncBlock.hex(c)), c);
        }
    }

    @Override
    public String toString() {
        return Messages.format("SharedEvent", "location", where, "reset", reset, "state",
                SyncBlock.hex((int) SyncBlock.INT.getVolatile(block, STATE)));
    }
}
