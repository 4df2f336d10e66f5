package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;
import static org.shm4j.ring.RingRegion.LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.FutexWait;

/**
 * Reads a {@link BroadcastRing} without affecting the transmitter or other receivers. Each record
 * is copied into a buffer owned by this receiver and checked after copying: if the transmitter
 * started overwriting it meanwhile, the copy is discarded and the receiver counts itself lapped.
 * The handler therefore never sees a torn record; its payload segment is valid only during the
 * call. Used by one thread at a time.
 */
public final class BroadcastReceiver implements AutoCloseable, RingRole.Member {
    private static final int MAX_LAPS_PER_POLL = 64;

    private final RingRegion ring;
    private final RingRole role;
    private final MemorySegment header;
    private final MemorySegment data;
    /**
     * Whether {@link #poll} reaches the ring by absolute address through {@link Absolute#MEMORY}
     * (the ring owns its mapping, held by this receiver until {@link #close()}), or through the
     * scoped segments (a caller's segment). See the package documentation.
     */
    private final boolean direct;
    private final long headerBase;
    private final long dataBase;
    private final long capacity;
    private final long mask;
    private final int maxPayload;
    private final WaitStrategy wait;
    private final FutexWait.Condition readable = this::readable;
    private final RingRegion.Sleep sleepForData = this::sleepForData;
    private MemorySegment scratch;
    private long cursor;
    private long nextSequence;
    private boolean sequenceKnown;
    private long lostRecords;
    private long laps;
    private boolean closed;
    /** Whether close() ran: the hold on the mapping is dropped once. */
    private boolean left;

    private BroadcastReceiver(RingRegion ring, RingRole role, WaitStrategy wait) {
        this.ring = ring;
        this.role = role;
        this.header = ring.header;
        this.data = ring.data;
        this.direct = ring.dataAddress != 0;
        this.headerBase = ring.headerAddress;
        this.dataBase = ring.dataAddress;
        this.capacity = ring.capacity;
        this.mask = ring.mask;
        this.maxPayload = ring.maxPayload;
        this.wait = wait;
        this.scratch = Arena.ofAuto().allocate(Math.min(maxPayload, 4096) + 8L, 8);
        // Pairs with the transmitter's release store of tail.
        long t = tail();
        if (t == ring.startPosition) {
            // Nothing transmitted yet: the first record will be number 0, so losses count from it.
            this.cursor = t;
            this.sequenceKnown = true;
        } else {
            // Start at the latest record; its sequence number comes with it.
            this.cursor = t;
            lap();
            this.laps = 0;
        }
    }

    static BroadcastReceiver open(RingRegion ring, WaitStrategy wait) {
        Objects.requireNonNull(wait, "wait");
        return RingRole.none(ring, "receiver").join(r -> new BroadcastReceiver(ring, r, wait));
    }

    /** As {@link #poll(RecordHandler, int)} with no limit. */
    public int poll(RecordHandler handler) {
        return poll(handler, Integer.MAX_VALUE);
    }

    /**
     * Delivers up to {@code limit} records without waiting. If this receiver was lapped, the
     * handler's {@link RecordHandler#onLoss} is called with the number of records lost before the
     * next record is delivered.
     *
     * @return how many records the handler received
     * @throws RingCorruptedException if a record below the tail is invalid and was not overwritten
     */
    public int poll(RecordHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit <= 0) {
            throw new IllegalArgumentException(Messages.format("limit must be positive", "limit", limit));
        }
        if (closed) {
            throw role.closed();
        }
        // The common empty case stays in this small method; the batch is a separate method, so its
        // handler call is hot there and inlines, and the payload slices are not allocated.
        // Pairs with the transmitter's release store of tail: records below it are complete.
        long t = tail();
        if (t == cursor) {
            return 0;
        }
        return deliver(handler, limit, t);
    }

    /** Delivers a batch; {@code firstTail} is the tail the caller loaded (once), later ones are loaded here. */
    private int deliver(RecordHandler handler, int limit, long firstTail) {
        int count = 0;
        int lapsNow = 0;
        long t = firstTail;
        for (boolean first = true; count < limit; first = false) {
            if (!first) {
                // Pairs with the transmitter's release store of tail: records below it are complete.
                t = tail();
            }
            long c = cursor;
            long available = t - c;
            if (available == 0) {
                break;
            }
            if (available < 0) {
                throw corrupted("tail moved backwards", c, t, 0, 0);
            }
            if (available > capacity) {
                if (++lapsNow > MAX_LAPS_PER_POLL) {
                    break;
                }
                lap();
                continue;
            }
            long off = c & mask;
            long word0 = getData(off);
            // A padding record may be the last 8 bytes alone: read the rest only if it is there.
            boolean fullHeader = off + BROADCAST_RECORD_HEADER_LENGTH <= capacity;
            long word1 = fullHeader ? getData(off + 8) : 0;
            long sequence = fullHeader ? getData(off + BROADCAST_SEQUENCE) : 0;
            boolean tagged = (word0 & ~STATE_MASK) == c;
            long state = word0 & STATE_MASK;
            int length = (int) word1;
            int typeId = (int) (word1 >>> 32);
            long recordLength = broadcastRecordLength(length & 0xFFFF_FFFFL);
            boolean padding = tagged && state == PADDING && off != 0;
            boolean record = tagged && fullHeader && state == COMMITTED && length >= 0 && length <= maxPayload && typeId >= 0
                    && off + recordLength <= capacity && recordLength <= available;
            if (record) {
                ensureScratch(length);
                if (direct) {
                    MemorySegment.copy(Absolute.MEMORY, dataBase + off + BROADCAST_RECORD_HEADER_LENGTH, scratch, 0,
                            length);
                } else {
                    MemorySegment.copy(data, off + BROADCAST_RECORD_HEADER_LENGTH, scratch, 0, length);
                }
            }
            // The copy and the header reads above happen before this read of tailIntent; pairs
            // with the transmitter's tailIntent store and storeStoreFence before it overwrites.
            VarHandle.loadLoadFence();
            long intent = direct ? (long) Absolute.LONG.getOpaque(Absolute.MEMORY, headerBase + TAIL_INTENT_OFFSET)
                    : (long) LONG.getOpaque(header, TAIL_INTENT_OFFSET);
            if (!ring.isOpen()) {
                // Closing the ring sets its flag before it detaches the memory (RingRegion.close),
                // and the fence above keeps the copy before this read: a copy made while the flag
                // still read open came from the ring itself, never from detached zeros.
                throw role.closed();
            }
            if (intent - c > capacity) {
                if (++lapsNow > MAX_LAPS_PER_POLL) {
                    break;
                }
                lap();
                continue;
            }
            if (padding) {
                cursor = c + (capacity - off);
                continue;
            }
            if (!record) {
                throw corrupted("invalid record below the tail", c, t, word0, word1);
            }
            cursor = c + recordLength;
            if (sequenceKnown && sequence != nextSequence) {
                long lost = sequence - nextSequence;
                if (lost < 0) {
                    throw corrupted("sequence moved backwards", c, t, word0, word1);
                }
                lostRecords += lost;
                handler.onLoss(lost);
            }
            sequenceKnown = true;
            nextSequence = sequence + 1;
            count++;
            handler.onRecord(typeId, scratch.asSlice(0, length));
        }
        return count;
    }

    /**
     * Delivers up to {@code limit} records, waiting up to {@code timeout} with this receiver's
     * {@link WaitStrategy} until there is at least one.
     *
     * @return how many records the handler received; 0 on timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public int poll(RecordHandler handler, int limit, Duration timeout) throws InterruptedException {
        long timeoutNanos = FutexWait.timeoutNanos(timeout);
        int n = poll(handler, limit);
        if (n > 0 || timeoutNanos == 0) {
            return n;
        }
        long begin = System.nanoTime();
        for (int idle = 0; RingRegion.pause(wait, idle, begin, timeoutNanos, sleepForData); idle++) {
            n = poll(handler, limit);
            if (n > 0) {
                return n;
            }
        }
        return 0;
    }

    private void sleepForData(long maxNanos) {
        FutexWait.sleepRegistered(header, DATA_SIGNAL_OFFSET, DATA_WAITERS_OFFSET, ring.dataSignal, readable, maxNanos);
    }

    /** Moves to the latest whole record; the loss is reported when that record is delivered. */
    private void lap() {
        laps++;
        // Pairs with the transmitter's release store of latestPosition: the record there is whole.
        long latest = direct ? (long) Absolute.LONG.getAcquire(Absolute.MEMORY, headerBase + LATEST_POSITION_OFFSET)
                : (long) LONG.getAcquire(header, LATEST_POSITION_OFFSET);
        long t = tail();
        if ((latest & (RECORD_ALIGNMENT - 1)) != 0) {
            throw corrupted("misaligned latest position", cursor, t, latest, 0);
        }
        // latest at or beyond the tail read after it: the transmitter has written that record but
        // not yet moved the tail; the tail is where the record's reservation starts.
        cursor = latest - t >= 0 ? t : latest;
    }

    private boolean readable() {
        return tail() != cursor;
    }

    /** Acquire load of the tail: pairs with the transmitter's release store of it. */
    private long tail() {
        return direct ? (long) Absolute.LONG.getAcquire(Absolute.MEMORY, headerBase + TAIL_OFFSET)
                : (long) LONG.getAcquire(header, TAIL_OFFSET);
    }

    /**
     * A plain load from the data region at {@code off}, which the caller has masked into the
     * region and checked leaves room for 8 bytes.
     */
    private long getData(long off) {
        return direct ? Absolute.MEMORY.get(ValueLayout.JAVA_LONG, dataBase + off)
                : data.get(ValueLayout.JAVA_LONG, off);
    }

    private void ensureScratch(int length) {
        if (scratch.byteSize() < length) {
            long size = Math.max(length, Math.min((long) maxPayload, scratch.byteSize() * 2));
            scratch = Arena.ofAuto().allocate(size, 8);
        }
    }

    private RuntimeException corrupted(String what, long c, long t, long word0, long word1) {
        return role.corrupted(what, "position", c, "tail", t, "word0", "0x" + Long.toHexString(word0), "length",
                (int) word1, "typeId", (int) (word1 >>> 32), "maxPayload", maxPayload);
    }

    /** The position of the next record to read. */
    public long position() {
        return cursor;
    }

    /** Records lost because the transmitter lapped this receiver. */
    public long lostRecords() {
        return lostRecords;
    }

    /** Times this receiver found itself lapped. */
    public long laps() {
        return laps;
    }

    /** Stops using the receiver and drops its hold on the ring's mapping. Idempotent. */
    @Override
    public synchronized void close() {
        if (!left) {
            closed = true;
            left = true;
            role.leave(this);
        }
    }

    @Override
    public synchronized void revoke() {
        closed = true;
    }
}
