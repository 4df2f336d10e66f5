package org.shm4j.aeron;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The bridge's frame: one Aeron message carrying a batch of consecutive records, a 32-byte
 * header, then each record as an 8-byte record header and its payload padded to 8 bytes.
 * Little-endian, as Aeron's own headers.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                    magic 0x52423453 ("S4BR")                  |  0
 * +-------------------------------+-------------------------------+
 * |       protocol version (1)    |          flags (0)            |  4
 * +-------------------------------+-------------------------------+
 * |                 record count (1 .. 2^31-1)                    |  8
 * +---------------------------------------------------------------+
 * |            body length (the rest of the message)              | 12
 * +---------------------------------------------------------------+
 * |                   stream epoch (64 bits, not 0)               | 16
 * +---------------------------------------------------------------+
 * |       sequence of the first record (64 bits, from 1)          | 24
 * +---------------------------------------------------------------+
 * |  type id (0 .. 2^31-2)        |  payload length               | 32  record 1
 * +-------------------------------+-------------------------------+
 * |                payload, padded to a multiple of 8             |
 * +---------------------------------------------------------------+
 * |  type id                      |  payload length               |     record 2 ...
 * </pre>
 *
 * A record of the reserved type id {@link RingBridge#LOSS_TYPE_ID} with an 8-byte payload is a
 * <em>loss entry</em>: it stands for that many sequence numbers whose records were lost before
 * they reached the sending end (an upstream loss notice, a lapped broadcast receiver, a record
 * too long to send). Every other record takes one sequence number; the entries of a frame take
 * consecutive numbers from the first. The epoch names one sending bridge's
 * numbering (kept across its restarts in its state segment); sequences number its records without
 * gaps, so a receiver sees loss as a gap and a repeat as a sequence it has already written.
 */
final class BridgeFrame {
    static final int MAGIC = 0x52423453; // "S4BR" in little-endian byte order
    static final short VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int FLAGS_OFFSET = 6;
    static final int COUNT_OFFSET = 8;
    static final int BODY_LENGTH_OFFSET = 12;
    static final int EPOCH_OFFSET = 16;
    static final int SEQUENCE_OFFSET = 24;
    static final int HEADER_LENGTH = 32;
    static final int RECORD_HEADER_LENGTH = 8;
    /** Largest loss entry accepted: sequences stay far from overflow. */
    static final long MAX_LOSS_ENTRY = 1L << 48;

    private BridgeFrame() {}

    static void writeHeader(MutableDirectBuffer buffer, int count, int bodyLength, long epoch, long firstSequence) {
        buffer.putInt(MAGIC_OFFSET, MAGIC);
        buffer.putShort(VERSION_OFFSET, VERSION);
        buffer.putShort(FLAGS_OFFSET, (short) 0);
        buffer.putInt(COUNT_OFFSET, count);
        buffer.putInt(BODY_LENGTH_OFFSET, bodyLength);
        buffer.putLong(EPOCH_OFFSET, epoch);
        buffer.putLong(SEQUENCE_OFFSET, firstSequence);
    }

    /** Bytes a record of {@code payloadLength} takes in a frame: header and padded payload. */
    static long recordLength(int payloadLength) {
        return RECORD_HEADER_LENGTH + ((payloadLength + 7L) & ~7L);
    }

    /**
     * Checks a whole received message before anything of it is written: the header, then every
     * record's header against the message's end. Returns why it is refused, or null if it is a
     * frame of this protocol whose records exactly fill it.
     */
    static String refusal(DirectBuffer buffer, int offset, int length, int reservedTypeId) {
        if (length < HEADER_LENGTH + RECORD_HEADER_LENGTH) {
            return "shorter than a frame";
        }
        if (buffer.getInt(offset + MAGIC_OFFSET) != MAGIC) {
            return "bad magic";
        }
        if (buffer.getShort(offset + VERSION_OFFSET) != VERSION) {
            return "other protocol version";
        }
        if (buffer.getInt(offset + BODY_LENGTH_OFFSET) != length - HEADER_LENGTH) {
            return "body length does not match the message";
        }
        int count = buffer.getInt(offset + COUNT_OFFSET);
        long first = buffer.getLong(offset + SEQUENCE_OFFSET);
        if (count <= 0 || buffer.getLong(offset + EPOCH_OFFSET) == 0 || first <= 0) {
            return "count, epoch or sequence out of range";
        }
        long room = Long.MAX_VALUE - first; // sequences the frame may still take without overflow
        long at = HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            if (at + RECORD_HEADER_LENGTH > length) {
                return "record header beyond the message";
            }
            int typeId = buffer.getInt(offset + (int) at);
            int payload = buffer.getInt(offset + (int) at + 4);
            if (typeId < 0) {
                return "type id out of range";
            }
            if (payload < 0 || at + recordLength(payload) > length) {
                return "record length does not fit the message";
            }
            if (typeId == reservedTypeId) {
                long lost = payload == 8 ? buffer.getLong(offset + (int) at + RECORD_HEADER_LENGTH) : -1;
                if (lost < 1 || lost > MAX_LOSS_ENTRY) {
                    return "loss entry out of range";
                }
                room -= lost;
            } else {
                room--;
            }
            if (room < 0) {
                return "sequence out of range";
            }
            at += recordLength(payload);
        }
        return at == length ? null : "bytes after the last record";
    }
}
