package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;
import static org.shm4j.ring.RingRegion.LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.FutexWait;

/**
 * The one writer of a {@link BroadcastRing}. Transmitting never waits: the oldest records are
 * overwritten. Used by one thread at a time; a process that dies holding the role is replaced by
 * the next one that asks for it, which continues the sequence numbers.
 */
public final class BroadcastTransmitter implements AutoCloseable, RingRole.Member {
    private final RingRegion ring;
    private final RingRole role;
    private final MemorySegment header;
    private final MemorySegment data;
    /**
     * Whether {@link #transmit} reaches the ring by absolute address through {@link Absolute#MEMORY}
     * (the ring owns its mapping, held by this transmitter until {@link #close()}), or through the
     * scoped segments (a caller's segment). See the package documentation.
     */
    private final boolean direct;
    private final long headerBase;
    private final long dataBase;
    private final long capacity;
    private final long mask;
    private final int maxPayload;
    private final long identity;
    private long tail;
    private long sequence;
    private long payloadBytes;
    private boolean closed;
    /** Whether close() ran: the hold on the mapping is dropped once. */
    private boolean left;

    private BroadcastTransmitter(RingRegion ring, RingRole role, long identity) {
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
        this.identity = identity;
        // A transmitter that died mid-record left tailIntent ahead of tail; receivers never read
        // past tail, so writing again from tail is safe.
        this.tail = (long) LONG.getAcquire(header, TAIL_OFFSET);
        if ((tail & (RECORD_ALIGNMENT - 1)) != 0) {
            throw role.corrupted("misaligned tail", "tail", tail);
        }
        this.sequence = resumeSequence();
        this.payloadBytes = (long) LONG.getOpaque(header, PAYLOAD_BYTES_WRITTEN_OFFSET);
    }

    /**
     * The sequence number of the next record. The message counter alone is not enough: a
     * transmitter that died after counting a record but before publishing it (storing tail) left
     * the counter one ahead, and receivers would report a loss that never happened when this
     * transmitter rewrites that record from tail. The record at latestPosition tells which: below
     * tail it was published and the next sequence follows its own; at or above tail it never was,
     * and its sequence is the one to use again. A header there that does not check out (never
     * written, or garbage) leaves the counter as the answer.
     */
    private long resumeSequence() {
        long counted = (long) LONG.getOpaque(header, MESSAGES_WRITTEN_OFFSET);
        // Pairs with the release store of latestPosition in transmit: that record is whole.
        long latest = (long) LONG.getAcquire(header, LATEST_POSITION_OFFSET);
        long off = latest & mask;
        if ((latest & (RECORD_ALIGNMENT - 1)) != 0 || off + BROADCAST_RECORD_HEADER_LENGTH > capacity
                || data.get(ValueLayout.JAVA_LONG, off) != (latest | COMMITTED)) {
            return counted;
        }
        long recorded = data.get(ValueLayout.JAVA_LONG, off + BROADCAST_SEQUENCE);
        if (recorded < 0 || recorded > counted) {
            return counted;
        }
        return latest - tail < 0 ? recorded + 1 : recorded;
    }

    static BroadcastTransmitter open(RingRegion ring) throws RingBusyException {
        return RingRole.take(ring, PRODUCER_IDENTITY_OFFSET, "transmitter")
                .join(r -> new BroadcastTransmitter(ring, r, r.identity));
    }

    /**
     * Copies {@code payload} into the ring as one record, overwriting the oldest records if needed.
     *
     * @throws IllegalArgumentException if {@code typeId} is negative or the payload is too long
     * @throws IllegalStateException if the transmitter is closed
     */
    public void transmit(int typeId, MemorySegment payload) {
        long length = payload.byteSize();
        if (closed || !ring.isOpen()) {
            throw role.closed();
        }
        if (typeId < 0) {
            throw new IllegalArgumentException(Messages.format("type id must not be negative", "typeId", typeId));
        }
        if (length > maxPayload) {
            throw new IllegalArgumentException(Messages.format("payload length out of range", "name", ring.name,
                    "length", length, "maxPayload", maxPayload));
        }
        long recordLength = broadcastRecordLength(length);
        long t = tail;
        long off = t & mask;
        long toEnd = capacity - off;
        long end = recordLength <= toEnd ? t + recordLength : t + toEnd + recordLength;
        // Announces which bytes are about to be overwritten before any of them is: receivers read
        // tailIntent after copying a record (after a loadLoadFence) and discard the copy if it moved
        // past their record's position plus the capacity. The fence keeps the stores below after it.
        setHeaderOpaque(TAIL_INTENT_OFFSET, end);
        VarHandle.storeStoreFence();
        long p = t;
        if (recordLength > toEnd) {
            setData(off, t | PADDING);
            p = t + toEnd;
            off = 0;
        }
        setData(off + 8, lengthAndType((int) length, typeId));
        setData(off + BROADCAST_SEQUENCE, sequence);
        if (direct) {
            MemorySegment.copy(payload, 0, Absolute.MEMORY, dataBase + off + BROADCAST_RECORD_HEADER_LENGTH, length);
        } else {
            MemorySegment.copy(payload, 0, data, off + BROADCAST_RECORD_HEADER_LENGTH, length);
        }
        setData(off, p | COMMITTED);
        sequence++;
        payloadBytes += length;
        setHeaderOpaque(MESSAGES_WRITTEN_OFFSET, sequence);
        setHeaderOpaque(PAYLOAD_BYTES_WRITTEN_OFFSET, payloadBytes);
        // Where a lapped receiver resumes: pairs with its acquire load of latestPosition.
        setHeaderRelease(LATEST_POSITION_OFFSET, p);
        tail = end;
        // Publishes the record: pairs with the receivers' acquire load of tail.
        setHeaderRelease(TAIL_OFFSET, end);
        if (direct && (int) Absolute.INT.getOpaque(Absolute.MEMORY, headerBase + DATA_WAITERS_OFFSET) == 0) {
            return; // no receiver sleeps: the common case, without a scoped access
        }
        FutexWait.wakeIfWaiting(header, DATA_SIGNAL_OFFSET, DATA_WAITERS_OFFSET, ring.dataSignal);
    }

    /**
     * A plain store into the data region at {@code off}, which the caller has masked into the
     * region and checked leaves room for 8 bytes (the record fits before the end: transmit).
     */
    private void setData(long off, long value) {
        if (direct) {
            Absolute.MEMORY.set(ValueLayout.JAVA_LONG, dataBase + off, value);
        } else {
            data.set(ValueLayout.JAVA_LONG, off, value);
        }
    }

    /** An opaque store of a header field at a constant offset of {@link RingLayout}. */
    private void setHeaderOpaque(long offset, long value) {
        if (direct) {
            Absolute.LONG.setOpaque(Absolute.MEMORY, headerBase + offset, value);
        } else {
            LONG.setOpaque(header, offset, value);
        }
    }

    /** A release store of a header field, as {@link #setHeaderOpaque}. */
    private void setHeaderRelease(long offset, long value) {
        if (direct) {
            Absolute.LONG.setRelease(Absolute.MEMORY, headerBase + offset, value);
        } else {
            LONG.setRelease(header, offset, value);
        }
    }

    /** Records transmitted on this ring (by this transmitter and those before it). */
    public long messagesWritten() {
        return sequence;
    }

    public int maxPayloadBytes() {
        return maxPayload;
    }

    /** Gives up the transmitter role and its hold on the ring's mapping. Idempotent. */
    @Override
    public synchronized void close() {
        if (left) {
            return;
        }
        closed = true;
        left = true;
        role.leave(this);
    }

    @Override
    public synchronized void revoke() {
        if (!closed) {
            closed = true;
            role.release();
        }
    }
}
