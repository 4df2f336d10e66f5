package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;
import static org.shm4j.ring.RingRegion.LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.FutexWait;

/**
 * Writes records into an {@link SpscRing} or {@link MpscRing}. One thread at a time uses a
 * producer; in an MPSC ring each producing thread (in any process) opens its own.
 *
 * <p>Two ways to write: {@link #offer(int, MemorySegment)} copies a payload; {@link #tryClaim}
 * reserves space and hands back a {@link RingClaim} whose {@linkplain RingClaim#segment() segment}
 * the caller fills before {@linkplain RingClaim#commit() committing} (zero copy). Neither waits:
 * when the ring is full they return {@code false} / {@code null}. The variants with a
 * {@link Duration} wait for space with the producer's {@link WaitStrategy}.
 *
 * <p>A producer holds the producer role of an SPSC ring, or one of 64 producer slots of an MPSC
 * ring, until {@link #close()}; a process that dies holding it is replaced by the next opener.
 */
public final class RingProducer implements AutoCloseable, RingRole.Member {
    private static final long FULL = 1; // never a position: positions are multiples of 8
    private static final long STALE = 3;

    private final RingRegion ring;
    private final RingRole role;
    private final MemorySegment header;
    private final MemorySegment data;
    /**
     * Whether the hot path reaches the ring by absolute address through {@link Absolute#MEMORY}
     * (the ring owns its mapping, held by this producer until {@link #close()}), or through the
     * scoped segments (a caller's segment). See the package documentation.
     */
    private final boolean direct;
    private final long headerBase;
    private final long dataBase;
    private final long capacity;
    private final long mask;
    private final int maxPayload;
    private final boolean multi;
    private final boolean alignRecords;
    private final long identityOffset;
    private final long messagesOffset;
    private final long bytesOffset;
    private final long identity;
    private final WaitStrategy wait;
    private final RingClaim claim;
    private final FutexWait.Condition spaceForPending = this::spaceForPending;
    private final RingRegion.Sleep sleepForSpace = this::sleepForSpace;

    private long tail;
    private long headCache;
    private long messages;
    private long payloadBytes;
    private int pendingLength;
    private boolean closed;
    /** Whether close() ran: the hold on the mapping is dropped once. */
    private boolean left;

    private RingProducer(RingRegion ring, RingRole role, WaitStrategy wait, long identityOffset, long identity) {
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
        this.multi = ring.type == RingType.MPSC;
        this.alignRecords = ring.alignRecords;
        this.wait = wait;
        this.identityOffset = identityOffset;
        this.identity = identity;
        if (multi) {
            this.messagesOffset = identityOffset + SLOT_MESSAGES;
            this.bytesOffset = identityOffset + SLOT_BYTES;
        } else {
            this.messagesOffset = MESSAGES_WRITTEN_OFFSET;
            this.bytesOffset = PAYLOAD_BYTES_WRITTEN_OFFSET;
        }
        this.claim = new RingClaim(this, data);
        this.messages = (long) LONG.getOpaque(header, messagesOffset);
        this.payloadBytes = (long) LONG.getOpaque(header, bytesOffset);
        // Pairs with the consumer's release store of head.
        long h = (long) LONG.getAcquire(header, HEAD_OFFSET);
        long t = (long) LONG.getAcquire(header, TAIL_OFFSET);
        checkUsed(t, h);
        this.tail = t;
        this.headCache = h;
    }

    static RingProducer open(RingRegion ring, WaitStrategy wait) throws RingBusyException {
        Objects.requireNonNull(wait, "wait");
        RingRole role;
        if (ring.type == RingType.MPSC) {
            long identity = RingPeer.currentIdentity();
            role = RingRole.taken(ring, takeSlot(ring, identity), identity, "producer");
        } else {
            role = RingRole.take(ring, PRODUCER_IDENTITY_OFFSET, "producer");
        }
        return role.join(r -> new RingProducer(ring, r, wait, r.offset, r.identity));
    }

    /** Takes a free slot, or one whose holder died, folding the dead holder's counters into the retired totals. */
    private static long takeSlot(RingRegion ring, long me) throws RingBusyException {
        MemorySegment h = ring.header;
        for (int i = 0; i < SLOT_COUNT; i++) {
            long slot = SLOTS_OFFSET + i * SLOT_LENGTH;
            long current = (long) LONG.getVolatile(h, slot);
            if (current != 0 && (current == me || RingPeer.isAlive(current))) {
                continue;
            }
            if (LONG.compareAndSet(h, slot, current, me)) {
                if (current != 0) {
                    retire(h, slot);
                }
                return slot;
            }
        }
        throw new RingBusyException(Messages.format("all producer slots are held by live processes", "name",
                ring.name, "slots", SLOT_COUNT));
    }

    private static void retire(MemorySegment h, long slot) {
        long m = (long) LONG.getAndSet(h, slot + SLOT_MESSAGES, 0L);
        long b = (long) LONG.getAndSet(h, slot + SLOT_BYTES, 0L);
        LONG.getAndAdd(h, MESSAGES_WRITTEN_OFFSET, m);
        LONG.getAndAdd(h, PAYLOAD_BYTES_WRITTEN_OFFSET, b);
    }

    // ---- copying writes ----------------------------------------------------------------------

    /**
     * Copies {@code payload} into the ring as one record.
     *
     * @return false if the ring has no room now (back-pressure); nothing was written
     * @throws IllegalArgumentException if {@code typeId} is negative or the payload is longer than
     *     {@link MessageRing#maxPayloadBytes()}
     * @throws IllegalStateException if a claim is open or the producer is closed
     * @throws RingCorruptedException if the ring's shared positions are inconsistent
     */
    public boolean offer(int typeId, MemorySegment payload) {
        int length = checkWrite(typeId, payload.byteSize());
        long p = reserve(length);
        if (p == FULL) {
            return false;
        }
        long off = p & mask;
        if (direct) {
            MemorySegment.copy(payload, 0, Absolute.MEMORY, dataBase + off + RECORD_HEADER_LENGTH, length);
        } else {
            MemorySegment.copy(payload, 0, data, off + RECORD_HEADER_LENGTH, length);
        }
        setData(off + 8, lengthAndType(length, typeId));
        // Publishes the record (and its filler): pairs with the consumer's acquire load of word0.
        setDataRelease(off, p | COMMITTED);
        published(length);
        return true;
    }

    /**
     * As {@link #offer(int, MemorySegment)}, waiting up to {@code timeout} for room.
     *
     * @return false if there was no room within the timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean offer(int typeId, MemorySegment payload, Duration timeout) throws InterruptedException {
        long timeoutNanos = FutexWait.timeoutNanos(timeout);
        int length = checkWrite(typeId, payload.byteSize());
        long begin = System.nanoTime();
        for (int idle = 0; ; idle++) {
            if (offer(typeId, payload)) {
                return true;
            }
            if (!pause(length, idle, begin, timeoutNanos)) {
                return false;
            }
        }
    }

    // ---- zero-copy writes --------------------------------------------------------------------

    /**
     * Reserves a record of {@code length} payload bytes. Fill {@link RingClaim#segment()}, then
     * {@link RingClaim#commit()} or {@link RingClaim#abort()}. The claim object is reused by the
     * next claim. A claim held longer than the consumer's skip timeout is skipped by the consumer.
     *
     * @return the claim, or null if the ring has no room now
     * @throws IllegalArgumentException if {@code typeId} is negative or {@code length} is out of range
     * @throws IllegalStateException if a claim is already open or the producer is closed
     */
    public RingClaim tryClaim(int typeId, int length) {
        checkWrite(typeId, length);
        long p = reserve(length);
        if (p == FULL) {
            return null;
        }
        long off = p & mask;
        setData(off + 8, lengthAndType(length, typeId));
        // The length (and the filler) is visible with the CLAIMED state, so a consumer can skip a
        // claim whose producer died: pairs with the consumer's acquire load of word0.
        setDataRelease(off, p | CLAIMED);
        claim.open(p, off, length, typeId);
        return claim;
    }

    /**
     * As {@link #tryClaim}, waiting up to {@code timeout} for room.
     *
     * @return the claim, or null if there was no room within the timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public RingClaim claim(int typeId, int length, Duration timeout) throws InterruptedException {
        long timeoutNanos = FutexWait.timeoutNanos(timeout);
        checkWrite(typeId, length);
        long begin = System.nanoTime();
        for (int idle = 0; ; idle++) {
            RingClaim c = tryClaim(typeId, length);
            if (c != null) {
                return c;
            }
            if (!pause(length, idle, begin, timeoutNanos)) {
                return null;
            }
        }
    }

    void commit(RingClaim c) {
        if (!stillClaimed(c)) {
            return;
        }
        // Pairs with the consumer's acquire load of word0: the payload is visible with COMMITTED.
        setDataRelease(c.offset(), c.position() | COMMITTED);
        published(c.length());
    }

    void abort(RingClaim c) {
        if (stillClaimed(c)) {
            setDataRelease(c.offset(), c.position() | ABORTED);
        }
    }

    /**
     * Whether the claim's header is still the one this producer wrote. It is not when the consumer
     * skipped the claim (held past its skip timeout) and producers have since written a later lap's
     * record there: publishing would then overwrite that record's header and lose it. Only this
     * producer writes CLAIMED for this position, so the header cannot change back; a reuse between
     * this check and the store needs a whole lap of records written meanwhile.
     */
    private boolean stillClaimed(RingClaim c) {
        long off = c.offset();
        long word0 = direct ? (long) Absolute.LONG.getOpaque(Absolute.MEMORY, dataBase + off)
                : (long) LONG.getOpaque(data, off);
        return word0 == (c.position() | CLAIMED);
    }

    // ---- reservation -------------------------------------------------------------------------

    /**
     * Reserves room for a record: its position, or FULL. Writes a padding record when it wraps.
     * The two topologies are separate methods so that the SPSC one stays under C2's inlining limit
     * for hot methods (FreqInlineSize, 325 bytecodes) and inlines into {@code offer} and
     * {@code tryClaim}: one call fewer per record, and one method less for the JIT to reach.
     */
    private long reserve(int payloadLength) {
        long recordLength = recordLength(payloadLength);
        return multi ? reserveShared(recordLength) : reserveSingle(recordLength);
    }

    /** SPSC: this producer is the only writer of tail, so it keeps it in a field. */
    private long reserveSingle(long recordLength) {
        long t = tail;
        long off = t & mask;
        long toEnd = capacity - off;
        long filler = filler(off, toEnd, recordLength);
        long required = required(toEnd, recordLength, filler);
        if (space(t, required) != 0) {
            return FULL;
        }
        tail = t + required;
        // The reservation is published before the record bytes, so a consumer that sees a
        // header-less record below tail knows a producer reserved it (gap detection).
        if (direct) {
            Absolute.LONG.setRelease(Absolute.MEMORY, headerBase + TAIL_OFFSET, t + required);
        } else {
            LONG.setRelease(header, TAIL_OFFSET, t + required);
        }
        return place(t, off, toEnd, recordLength, filler);
    }

    /** MPSC: producers race for the space with a CAS on tail. */
    private long reserveShared(long recordLength) {
        while (true) {
            long t = direct ? (long) Absolute.LONG.getVolatile(Absolute.MEMORY, headerBase + TAIL_OFFSET)
                    : (long) LONG.getVolatile(header, TAIL_OFFSET);
            if ((t & (RECORD_ALIGNMENT - 1)) != 0) {
                // Read from shared memory: every producer advances it by whole records.
                throw corrupted("tail is not on a record boundary", t, headCache);
            }
            long off = t & mask;
            long toEnd = capacity - off;
            long filler = filler(off, toEnd, recordLength);
            long required = required(toEnd, recordLength, filler);
            long s = space(t, required);
            if (s == FULL) {
                return FULL;
            }
            if (s == STALE) {
                if ((long) LONG.getVolatile(header, TAIL_OFFSET) == t) {
                    throw corrupted("head is ahead of tail", t, headCache);
                }
                continue;
            }
            // Producers race for [t, t + required): the CAS winner owns it.
            if (direct ? Absolute.LONG.compareAndSet(Absolute.MEMORY, headerBase + TAIL_OFFSET, t, t + required)
                    : LONG.compareAndSet(header, TAIL_OFFSET, t, t + required)) {
                return place(t, off, toEnd, recordLength, filler);
            }
        }
    }

    /**
     * Lays out the space reserved at {@code t}: a padding record first if the record does not fit
     * before the end of the region, and the record's {@code filler} bytes when records are aligned.
     * Returns the record's position.
     */
    private long place(long t, long off, long toEnd, long recordLength, long filler) {
        if (recordLength <= toEnd) {
            writeFiller(t, off, recordLength, filler);
            return t;
        }
        writeFiller(t + toEnd, 0, recordLength, filler);
        // Pairs with the consumer's acquire load of word0.
        setDataRelease(off, t | PADDING);
        return t + toEnd;
    }

    /**
     * Bytes a record of {@code recordLength} with its {@code filler} takes, {@code toEnd} bytes
     * before the end of the data region: a padding record to the end first if it does not fit there.
     */
    private static long required(long toEnd, long recordLength, long filler) {
        return (recordLength <= toEnd ? recordLength : toEnd + recordLength) + filler;
    }

    /**
     * The filler after a record of {@code recordLength} reserved at offset {@code off}, {@code toEnd}
     * bytes before the end of the region: where the record lands (there, or at 0 after a padding
     * record) decides it.
     */
    private long filler(long off, long toEnd, long recordLength) {
        return recordLength <= toEnd ? fillerAt(off, recordLength, toEnd) : fillerAt(0, recordLength, capacity);
    }

    /**
     * The filler that makes the next record start on a cache line, after a record of {@code
     * recordLength} at offset {@code off} with {@code room} bytes left before the end of the region:
     * a record of its own, so at least a header long (a gap of 8 bytes takes the next line too).
     * 0 when records are not aligned, when the record already ends on a line, or when the filler
     * does not fit (the region's end, or a ring so small that its largest payload is shorter).
     */
    private long fillerAt(long off, long recordLength, long room) {
        if (!alignRecords) {
            return 0;
        }
        long gap = -(off + recordLength) & (CACHE_LINE - 1);
        long f = gap == 0 || gap >= RECORD_HEADER_LENGTH ? gap : gap + CACHE_LINE;
        return recordLength + f <= room && f - RECORD_HEADER_LENGTH <= maxPayload ? f : 0;
    }

    /**
     * Writes the {@code filler} bytes after the record at {@code p} as an aborted record, which
     * consumers step over. Plain stores: the record's release store of word0 (claim or commit)
     * publishes them, and a consumer reaches the filler only through that record.
     */
    private void writeFiller(long p, long off, long recordLength, long filler) {
        if (filler != 0) {
            setData(off + recordLength + 8, lengthAndType((int) (filler - RECORD_HEADER_LENGTH), 0));
            setData(off + recordLength, (p + recordLength) | ABORTED);
        }
    }

    /** 0 if {@code required} bytes fit after {@code t}, FULL if not, STALE if t is behind head (MPSC). */
    private long space(long t, long required) {
        if (t + required - headCache <= capacity && t - headCache >= 0) {
            return 0;
        }
        // Pairs with the consumer's release store of head: its reads below head are done.
        long h = direct ? (long) Absolute.LONG.getAcquire(Absolute.MEMORY, headerBase + HEAD_OFFSET)
                : (long) LONG.getAcquire(header, HEAD_OFFSET);
        long used = t - h;
        if (used < 0 && multi) {
            headCache = h;
            return STALE;
        }
        checkUsed(t, h);
        headCache = h;
        return t + required - h <= capacity ? 0 : FULL;
    }

    private void checkUsed(long t, long h) {
        long used = t - h;
        if (used < 0 || used > capacity) {
            throw corrupted(used < 0 ? "head is ahead of tail" : "tail is more than the capacity ahead of head", t,
                    h);
        }
        if ((t & (RECORD_ALIGNMENT - 1)) != 0) {
            throw corrupted("tail is not on a record boundary", t, h);
        }
    }

    private RuntimeException corrupted(String what, long t, long h) {
        return role.corrupted(what, "tail", t, "head", h, "capacity", capacity);
    }

    private boolean spaceForPending() {
        long recordLength = recordLength(pendingLength);
        long t = multi ? (long) LONG.getVolatile(header, TAIL_OFFSET) : tail;
        long off = t & mask;
        long toEnd = capacity - off;
        long required = required(toEnd, recordLength, filler(off, toEnd, recordLength));
        long h = (long) LONG.getAcquire(header, HEAD_OFFSET);
        return t + required - h <= capacity;
    }

    /** One idle step waiting for room for {@code length} payload bytes; false once the timeout has passed. */
    private boolean pause(int length, int idle, long begin, long timeoutNanos) throws InterruptedException {
        pendingLength = length;
        return RingRegion.pause(wait, idle, begin, timeoutNanos, sleepForSpace);
    }

    private void sleepForSpace(long maxNanos) {
        FutexWait.sleepRegistered(header, SPACE_SIGNAL_OFFSET, SPACE_WAITERS_OFFSET, ring.spaceSignal, spaceForPending, maxNanos);
    }

    private int checkWrite(int typeId, long length) {
        if (closed) { // also set when the ring handle is closed: it closes its producers
            throw role.closed();
        }
        if (claim.isActive()) {
            throw new IllegalStateException(Messages.format("a claim is open: commit or abort it first", "name",
                    ring.name, "position", claim.position()));
        }
        if (typeId < 0) {
            throw new IllegalArgumentException(Messages.format("type id must not be negative", "typeId", typeId));
        }
        if (length < 0 || length > maxPayload) {
            throw new IllegalArgumentException(Messages.format("payload length out of range", "name", ring.name,
                    "length", length, "maxPayload", maxPayload));
        }
        return (int) length;
    }

    private void published(int length) {
        messages++;
        payloadBytes += length;
        if (direct) {
            Absolute.LONG.setOpaque(Absolute.MEMORY, headerBase + messagesOffset, messages);
            Absolute.LONG.setOpaque(Absolute.MEMORY, headerBase + bytesOffset, payloadBytes);
            if ((int) Absolute.INT.getOpaque(Absolute.MEMORY, headerBase + DATA_WAITERS_OFFSET) == 0) {
                return;
            }
        } else {
            LONG.setOpaque(header, messagesOffset, messages);
            LONG.setOpaque(header, bytesOffset, payloadBytes);
        }
        FutexWait.wakeIfWaiting(header, DATA_SIGNAL_OFFSET, DATA_WAITERS_OFFSET, ring.dataSignal);
    }

    /**
     * A plain store into the data region at {@code off}, which the caller has masked into the
     * region and checked leaves room for 8 bytes.
     */
    private void setData(long off, long value) {
        if (direct) {
            Absolute.MEMORY.set(ValueLayout.JAVA_LONG, dataBase + off, value);
        } else {
            data.set(ValueLayout.JAVA_LONG, off, value);
        }
    }

    /** A release store into the data region, as {@link #setData}. */
    private void setDataRelease(long off, long value) {
        if (direct) {
            Absolute.LONG.setRelease(Absolute.MEMORY, dataBase + off, value);
        } else {
            LONG.setRelease(data, off, value);
        }
    }

    /** Records this producer wrote. */
    public long messagesWritten() {
        return messages;
    }

    /** The largest payload this ring takes. */
    public int maxPayloadBytes() {
        return maxPayload;
    }

    /**
     * Aborts an open claim and gives up the producer role or slot. Idempotent. A producer of an
     * MPSC ring adds its counters to the ring's totals of departed producers.
     */
    @Override
    public synchronized void close() {
        if (left) {
            return;
        }
        if (!closed) {
            if (claim.isActive() && ring.isOpen()) {
                claim.abort();
            }
            closed = true;
            if (multi) {
                retire(header, identityOffset);
            }
        }
        left = true;
        role.leave(this);
    }

    /**
     * Called by the ring handle's close: every later call throws {@link IllegalStateException} and
     * the role or slot is given back, but this producer keeps its hold on the mapping until its own
     * {@link #close()}, since its thread may be inside a call.
     */
    @Override
    public synchronized void revoke() {
        if (!closed) {
            closed = true;
            if (multi) {
                retire(header, identityOffset);
            }
            role.release();
        }
    }
}
