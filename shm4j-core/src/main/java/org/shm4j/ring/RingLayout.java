package org.shm4j.ring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.shm4j.internal.block.Kinds;

/**
 * Every offset of the ring format, version 1. All fields are little-endian and naturally aligned;
 * the C header {@code interop/c/shm4j_ring.h} and the Python reader {@code interop/python/shm4j_ring.py}
 * repeat these numbers, and {@code RingLayoutTest} checks them against {@link #HEADER}.
 *
 * <pre>
 * ring header (RING_DATA_OFFSET = 0x3000 bytes), then the data region (capacity bytes)
 *
 * 0x0000 +------------------------------------------------------------------+
 *        | magic u64 "SHM4RING" (stored last, release)                      |
 * 0x0008 | layoutVersion u32 = 1        | ringType u32 (1 SPSC, 2 MPSC, 3 BROADCAST)
 * 0x0010 | capacity u64 (power of two, data region bytes)                   |
 * 0x0018 | dataOffset u64 = 0x3000                                          |
 * 0x0020 | maxPayload u32               | recordHeaderLength u32 (16; 24 BROADCAST)
 * 0x0028 | creator identity u64 (packed pid/start ticks, see below)         |
 * 0x0030 | startPosition u64                                                |
 * 0x0038 | producerSlots u32 = 64       | reserved u32                      |
 * 0x0040 | reserved, zero                                                   |
 * 0x0080 +--- producer line (128 bytes) ------------------------------------+
 *        | tail u64: end of the last reserved record (MPSC: CAS)            |
 * 0x0088 | producer identity u64 (SPSC, BROADCAST)                          |
 * 0x0090 | messagesWritten u64 (MPSC: of producers that have left)          |
 * 0x0098 | payloadBytesWritten u64 (MPSC: of producers that have left)      |
 * 0x00A0 | tailIntent u64 (BROADCAST: end of the record being written)      |
 * 0x00A8 | latestPosition u64 (BROADCAST: start of the last whole record)   |
 * 0x0100 +--- consumer line (128 bytes) ------------------------------------+
 *        | head u64: start of the first unconsumed record                   |
 * 0x0108 | consumer identity u64                                            |
 * 0x0110 | messagesRead u64             0x0118 payloadBytesRead u64         |
 * 0x0120 | skippedRecords u64           0x0128 skippedBytes u64             |
 * 0x0180 +--- data wait line -----------------------------------------------+
 *        | dataSignal u32 (futex word)  | dataWaiters u32                   |
 * 0x0200 +--- space wait line ----------------------------------------------+
 *        | spaceSignal u32 (futex word) | spaceWaiters u32                  |
 * 0x1000 +--- 64 producer slots x 128 bytes (MPSC) -------------------------+
 *        | identity u64 | messagesWritten u64 | payloadBytesWritten u64      |
 * 0x3000 +--- data region: records ----------------------------------------+
 *
 * record (8-byte aligned, never split by the end of the data region)
 * +0  word0 u64 = position | state   state: 1 CLAIMED, 2 COMMITTED, 3 PADDING, 4 ABORTED
 * +8  length u32 (payload bytes)     +12 typeId u32 (0 .. 2^31-1)
 * +16 payload, then zero to 7 bytes of alignment
 * A PADDING record is word0 alone and runs to the end of the data region.
 * BROADCAST records add +16 sequence u64 (0, 1, 2, ... per transmitted record); payload at +24.
 *
 * identity u64 = pid &lt;&lt; 42 | (start time in clock ticks &amp; (2^42 - 1)); 0 = none
 * </pre>
 */
final class RingLayout {
    private RingLayout() {}

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("the ring format is little-endian; this platform is not");
        }
    }

    /** "SHM4RING" read as a little-endian u64. */
    static final long MAGIC = Kinds.RING_MAGIC;
    static final int LAYOUT_VERSION = 1;

    static final long MAGIC_OFFSET = 0x00;
    static final long VERSION_OFFSET = 0x08;
    static final long TYPE_OFFSET = 0x0C;
    static final long CAPACITY_OFFSET = 0x10;
    static final long DATA_OFFSET_OFFSET = 0x18;
    static final long MAX_PAYLOAD_OFFSET = 0x20;
    static final long RECORD_HEADER_LENGTH_OFFSET = 0x24;
    static final long CREATOR_OFFSET = 0x28;
    static final long START_POSITION_OFFSET = 0x30;
    static final long PRODUCER_SLOTS_OFFSET = 0x38;

    static final long TAIL_OFFSET = 0x80;
    static final long PRODUCER_IDENTITY_OFFSET = 0x88;
    static final long MESSAGES_WRITTEN_OFFSET = 0x90;
    static final long PAYLOAD_BYTES_WRITTEN_OFFSET = 0x98;
    static final long TAIL_INTENT_OFFSET = 0xA0;
    static final long LATEST_POSITION_OFFSET = 0xA8;

    static final long HEAD_OFFSET = 0x100;
    static final long CONSUMER_IDENTITY_OFFSET = 0x108;
    static final long MESSAGES_READ_OFFSET = 0x110;
    static final long PAYLOAD_BYTES_READ_OFFSET = 0x118;
    static final long SKIPPED_RECORDS_OFFSET = 0x120;
    static final long SKIPPED_BYTES_OFFSET = 0x128;

    static final long DATA_SIGNAL_OFFSET = 0x180;
    static final long DATA_WAITERS_OFFSET = 0x184;
    static final long SPACE_SIGNAL_OFFSET = 0x200;
    static final long SPACE_WAITERS_OFFSET = 0x204;

    static final long SLOTS_OFFSET = 0x1000;
    static final int SLOT_COUNT = 64;
    static final long SLOT_LENGTH = 128;
    static final long SLOT_IDENTITY = 0;
    static final long SLOT_MESSAGES = 8;
    static final long SLOT_BYTES = 16;

    static final long DATA_OFFSET = 0x3000;

    static final int RECORD_HEADER_LENGTH = 16;
    static final int BROADCAST_RECORD_HEADER_LENGTH = 24;
    static final long BROADCAST_SEQUENCE = 16;
    static final int RECORD_ALIGNMENT = 8;
    /** The line records start on with {@link RingOption#alignRecordsToCacheLines()}. */
    static final int CACHE_LINE = 64;
    static final long STATE_MASK = 7;
    static final int CLAIMED = 1;
    static final int COMMITTED = 2;
    static final int PADDING = 3;
    static final int ABORTED = 4;

    static final long MIN_CAPACITY = 64;
    static final long MAX_CAPACITY = 1L << 40;
    /** Records are at most this long (header included) whatever the capacity. */
    static final long MAX_RECORD_LENGTH = 1L << 30;

    /** The header as a {@link MemoryLayout}, which tests use to check the constants above. */
    static final StructLayout HEADER = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("magic"),
            ValueLayout.JAVA_INT.withName("layoutVersion"),
            ValueLayout.JAVA_INT.withName("ringType"),
            ValueLayout.JAVA_LONG.withName("capacity"),
            ValueLayout.JAVA_LONG.withName("dataOffset"),
            ValueLayout.JAVA_INT.withName("maxPayload"),
            ValueLayout.JAVA_INT.withName("recordHeaderLength"),
            ValueLayout.JAVA_LONG.withName("creator"),
            ValueLayout.JAVA_LONG.withName("startPosition"),
            ValueLayout.JAVA_INT.withName("producerSlots"),
            MemoryLayout.paddingLayout(0x80 - 0x3C),
            ValueLayout.JAVA_LONG.withName("tail"),
            ValueLayout.JAVA_LONG.withName("producerIdentity"),
            ValueLayout.JAVA_LONG.withName("messagesWritten"),
            ValueLayout.JAVA_LONG.withName("payloadBytesWritten"),
            ValueLayout.JAVA_LONG.withName("tailIntent"),
            ValueLayout.JAVA_LONG.withName("latestPosition"),
            MemoryLayout.paddingLayout(0x100 - 0xB0),
            ValueLayout.JAVA_LONG.withName("head"),
            ValueLayout.JAVA_LONG.withName("consumerIdentity"),
            ValueLayout.JAVA_LONG.withName("messagesRead"),
            ValueLayout.JAVA_LONG.withName("payloadBytesRead"),
            ValueLayout.JAVA_LONG.withName("skippedRecords"),
            ValueLayout.JAVA_LONG.withName("skippedBytes"),
            MemoryLayout.paddingLayout(0x180 - 0x130),
            ValueLayout.JAVA_INT.withName("dataSignal"),
            ValueLayout.JAVA_INT.withName("dataWaiters"),
            MemoryLayout.paddingLayout(0x200 - 0x188),
            ValueLayout.JAVA_INT.withName("spaceSignal"),
            ValueLayout.JAVA_INT.withName("spaceWaiters"),
            MemoryLayout.paddingLayout(SLOTS_OFFSET - 0x208),
            MemoryLayout.sequenceLayout(SLOT_COUNT, MemoryLayout.structLayout(
                    ValueLayout.JAVA_LONG.withName("identity"),
                    ValueLayout.JAVA_LONG.withName("messagesWritten"),
                    ValueLayout.JAVA_LONG.withName("payloadBytesWritten"),
                    MemoryLayout.paddingLayout(SLOT_LENGTH - 24))).withName("slots"));

    /** Bytes a record of {@code payloadLength} takes, header and alignment included. */
    static long recordLength(long payloadLength) {
        return (RECORD_HEADER_LENGTH + payloadLength + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }

    /** The record header length of a ring type: 16, or 24 for broadcast records (they carry a sequence number). */
    static int recordHeaderLength(RingType type) {
        return type == RingType.BROADCAST ? BROADCAST_RECORD_HEADER_LENGTH : RECORD_HEADER_LENGTH;
    }

    /** The largest payload a ring of {@code capacity} bytes takes: a record fits in half the ring. */
    static int maxPayload(RingType type, long capacity) {
        return (int) (Math.min(capacity / 2, MAX_RECORD_LENGTH) - recordHeaderLength(type));
    }

    /** Bytes a broadcast record of {@code payloadLength} takes, header and alignment included. */
    static long broadcastRecordLength(long payloadLength) {
        return (BROADCAST_RECORD_HEADER_LENGTH + payloadLength + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }

    /** Word1 of a record: length in the low half, type id in the high half. */
    static long lengthAndType(int length, int typeId) {
        return ((long) typeId << 32) | (length & 0xFFFF_FFFFL);
    }
}
