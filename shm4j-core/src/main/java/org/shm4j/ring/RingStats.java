package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;
import static org.shm4j.ring.RingRegion.LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.shm4j.Access;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;
import org.shm4j.ObjectKind;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Kinds;

/**
 * A snapshot of a ring's counters, read without writing anything: a monitoring tool can take one
 * from a segment mapped {@link Access#READ_ONLY} while producers and consumers run. Fields are read
 * one by one, so they may be from slightly different instants.
 *
 * @param type the ring's topology
 * @param capacityBytes bytes of the data region
 * @param headPosition the consumer's position; for a broadcast ring, the oldest position still held
 * @param tailPosition the end of the last reserved record
 * @param messagesWritten records committed, by all producers (or transmitted)
 * @param payloadBytesWritten payload bytes of those records
 * @param messagesRead records delivered to the consumer (0 for broadcast: receivers are not registered)
 * @param payloadBytesRead payload bytes of those records
 * @param skippedRecords records the consumer skipped because their producer held them past the skip timeout
 * @param skippedBytes bytes those records took
 * @param creator the process that created the ring
 * @param producers registered producers (the transmitter of a broadcast ring), with liveness
 * @param consumer the registered consumer, with liveness
 */
public record RingStats(RingType type, long capacityBytes, long headPosition, long tailPosition,
        long messagesWritten, long payloadBytesWritten, long messagesRead, long payloadBytesRead,
        long skippedRecords, long skippedBytes, Optional<RingPeer> creator, List<RingPeer> producers,
        Optional<RingPeer> consumer) {

    public RingStats {
        producers = List.copyOf(producers);
    }

    /** Bytes written and not yet consumed: tail minus head. */
    public long lagBytes() {
        return tailPosition - headPosition;
    }

    /** Bytes free for producers: capacity minus lag (for a broadcast ring, 0 once it has wrapped). */
    public long freeBytes() {
        return capacityBytes - lagBytes();
    }

    /**
     * Reads the counters of the ring in {@code segment}, which may be read-only.
     *
     * @throws RingFormatException if the segment holds no published ring
     */
    public static RingStats read(MemorySegment segment) throws RingFormatException {
        RingRegion.Header h = RingRegion.readHeader(segment, segment.toString(), EnumSet.allOf(RingType.class));
        if (h == null) {
            throw new RingNotInitializedException(Messages.format("ring header not published", "segment", segment));
        }
        return snapshot(segment, h.type(), h.capacity());
    }

    /** Bytes of a ring's header: what {@link #read(MemorySegment, long)} needs to see. */
    public static final int HEADER_BYTES = (int) DATA_OFFSET;

    /** Whether {@code header} starts with a published ring's magic (a quick test before {@link #read}). */
    public static boolean startsWithRingMagic(MemorySegment header) {
        return header.byteSize() >= Long.BYTES
                && header.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, MAGIC_OFFSET) == MAGIC;
    }

    /**
     * Reads the counters from a copy of a ring's first {@link #HEADER_BYTES} bytes, taken from a
     * segment of {@code segmentByteSize} bytes; how a monitor that does not map segments (the
     * {@code shm4j} command reads them with {@code read(2)}) inspects a ring. The copy must be 8-byte
     * aligned.
     *
     * @throws RingFormatException if the copy holds no published ring, or a ring larger than the segment
     */
    public static RingStats read(MemorySegment header, long segmentByteSize) throws RingFormatException {
        RingRegion.Header h = RingRegion.readHeader(header, segmentByteSize, header.toString(),
                EnumSet.allOf(RingType.class));
        if (h == null) {
            throw new RingNotInitializedException(Messages.format("ring header not published", "segment", header));
        }
        return snapshot(header, h.type(), h.capacity());
    }

    /**
     * Opens the named ring read-only and reads its counters.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such segment
     * @throws org.shm4j.WrongObjectKindException if the name holds something other than a ring
     * @throws RingFormatException if it holds no published ring
     */
    public static RingStats read(String name) throws IOException {
        try (SharedMemory shm = SharedMemory.open(name, Access.READ_ONLY, SegmentOption.Flag.ANY_KIND)) {
            Kinds.require(shm, name, EnumSet.of(ObjectKind.SPSC_RING, ObjectKind.MPSC_RING, ObjectKind.BROADCAST_RING));
            try (MappedView view = shm.map(Access.READ_ONLY, 0, 0)) {
                return read(view.segment());
            }
        }
    }

    /** Sums of the MPSC counters taken before giving up on a stable one (producers leaving all the time). */
    private static final int MAX_SUM_ATTEMPTS = 16;

    static RingStats snapshot(MemorySegment header, RingType type, long capacity) {
        // Opaque loads: no ordering is needed between these counters, only fresh values (the MPSC sum
        // below is the exception).
        long tail = (long) LONG.getOpaque(header, TAIL_OFFSET);
        long start = header.get(java.lang.foreign.ValueLayout.JAVA_LONG, START_POSITION_OFFSET);
        long head = type == RingType.BROADCAST ? tail - Math.min(capacity, tail - start)
                : (long) LONG.getOpaque(header, HEAD_OFFSET);
        long messagesWritten;
        long bytesWritten;
        List<RingPeer> producers = new ArrayList<>();
        if (type == RingType.MPSC) {
            // A departing producer zeroes its slot, then adds its counts to the totals
            // (RingProducer.retire, both atomic). A sum that read the zeroed slot but totals from
            // before the add would miss those counts and make messagesWritten go backwards, so the
            // sum is taken again when the totals moved meanwhile. Acquire loads keep the reads in
            // this order: totals, slots, totals.
            long totalMessages = (long) LONG.getAcquire(header, MESSAGES_WRITTEN_OFFSET);
            long totalBytes = (long) LONG.getAcquire(header, PAYLOAD_BYTES_WRITTEN_OFFSET);
            for (int attempt = 1; ; attempt++) {
                messagesWritten = totalMessages;
                bytesWritten = totalBytes;
                for (int i = 0; i < SLOT_COUNT; i++) {
                    long slot = SLOTS_OFFSET + i * SLOT_LENGTH;
                    messagesWritten += (long) LONG.getAcquire(header, slot + SLOT_MESSAGES);
                    bytesWritten += (long) LONG.getAcquire(header, slot + SLOT_BYTES);
                }
                long messagesAfter = (long) LONG.getAcquire(header, MESSAGES_WRITTEN_OFFSET);
                long bytesAfter = (long) LONG.getAcquire(header, PAYLOAD_BYTES_WRITTEN_OFFSET);
                if ((messagesAfter == totalMessages && bytesAfter == totalBytes) || attempt == MAX_SUM_ATTEMPTS) {
                    break;
                }
                totalMessages = messagesAfter;
                totalBytes = bytesAfter;
            }
            // Identities after the sum, once: each costs a /proc read, which would widen the window above.
            for (int i = 0; i < SLOT_COUNT; i++) {
                RingPeer p = RingPeer.of((long) LONG.getOpaque(header, SLOTS_OFFSET + i * SLOT_LENGTH + SLOT_IDENTITY));
                if (p != null) {
                    producers.add(p);
                }
            }
        } else {
            messagesWritten = (long) LONG.getOpaque(header, MESSAGES_WRITTEN_OFFSET);
            bytesWritten = (long) LONG.getOpaque(header, PAYLOAD_BYTES_WRITTEN_OFFSET);
            RingPeer p = RingPeer.of((long) LONG.getOpaque(header, PRODUCER_IDENTITY_OFFSET));
            if (p != null) {
                producers.add(p);
            }
        }
        return new RingStats(type, capacity, head, tail, messagesWritten, bytesWritten,
                (long) LONG.getOpaque(header, MESSAGES_READ_OFFSET),
                (long) LONG.getOpaque(header, PAYLOAD_BYTES_READ_OFFSET),
                (long) LONG.getOpaque(header, SKIPPED_RECORDS_OFFSET),
                (long) LONG.getOpaque(header, SKIPPED_BYTES_OFFSET),
                Optional.ofNullable(RingPeer.of((long) LONG.getOpaque(header, CREATOR_OFFSET))), producers,
                Optional.ofNullable(RingPeer.of((long) LONG.getOpaque(header, CONSUMER_IDENTITY_OFFSET))));
    }
}
