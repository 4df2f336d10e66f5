package org.shm4j.aeron;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The bridge's frame: a fixed 32-byte header in front of each record's payload, carried as one
 * Aeron message. Little-endian, as Aeron's own headers.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                    magic 0x52423453 ("S4BR")                  |  0
 * +-------------------------------+-------------------------------+
 * |       protocol version        |          flags (0)            |  4
 * +-------------------------------+-------------------------------+
 * |                      type id (0 .. 2^31-2)                    |  8
 * +---------------------------------------------------------------+
 * |                 payload length (the rest of the message)      | 12
 * +---------------------------------------------------------------+
 * |                   stream epoch (64 bits, not 0)               | 16
 * +---------------------------------------------------------------+
 * |              sequence (64 bits, 1 for the first record)       | 24
 * +---------------------------------------------------------------+
 * |                          payload ...                          | 32
 * </pre>
 *
 * The epoch names one sending bridge's numbering (kept across its restarts in its state
 * segment); the sequence numbers its records without gaps, so a receiver sees loss as a gap and a
 * repeat as a sequence it has already written.
 */
final class BridgeFrame {
    static final int MAGIC = 0x52423453; // "S4BR" in little-endian byte order
    static final short VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int FLAGS_OFFSET = 6;
    static final int TYPE_ID_OFFSET = 8;
    static final int LENGTH_OFFSET = 12;
    static final int EPOCH_OFFSET = 16;
    static final int SEQUENCE_OFFSET = 24;
    static final int HEADER_LENGTH = 32;

    private BridgeFrame() {}

    static void writeHeader(MutableDirectBuffer buffer, int typeId, int length, long epoch, long sequence) {
        buffer.putInt(MAGIC_OFFSET, MAGIC);
        buffer.putShort(VERSION_OFFSET, VERSION);
        buffer.putShort(FLAGS_OFFSET, (short) 0);
        buffer.putInt(TYPE_ID_OFFSET, typeId);
        buffer.putInt(LENGTH_OFFSET, length);
        buffer.putLong(EPOCH_OFFSET, epoch);
        buffer.putLong(SEQUENCE_OFFSET, sequence);
    }

    /** Why a received message is not a frame to write, or null if it is one. */
    static String refusal(DirectBuffer buffer, int offset, int length, int reservedTypeId) {
        if (length < HEADER_LENGTH) {
            return "shorter than the frame header";
        }
        if (buffer.getInt(offset + MAGIC_OFFSET) != MAGIC) {
            return "bad magic";
        }
        if (buffer.getShort(offset + VERSION_OFFSET) != VERSION) {
            return "other protocol version";
        }
        int payload = buffer.getInt(offset + LENGTH_OFFSET);
        if (payload != length - HEADER_LENGTH) {
            return "length does not match the message";
        }
        int typeId = buffer.getInt(offset + TYPE_ID_OFFSET);
        if (typeId < 0 || typeId == reservedTypeId) {
            return "type id out of range";
        }
        if (buffer.getLong(offset + EPOCH_OFFSET) == 0 || buffer.getLong(offset + SEQUENCE_OFFSET) <= 0) {
            return "epoch or sequence out of range";
        }
        return null;
    }
}
