package org.shm4j.aeron;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * Test records: {@code index (8) | crc32c of the rest (4) | body}, the body's length and bytes
 * derived from the index, so a receiver can tell a torn, altered, repeated or missing record.
 */
final class Records {
    static final int MIN = 12;

    private Records() {}

    /** Writes record {@code index} into {@code buf} and returns its length (12 to 12+200 bytes). */
    static int fill(MemorySegment buf, long index) {
        int bodyLength = (int) ((index * 2654435761L) & 0xff) % 200;
        return fill(buf, index, bodyLength);
    }

    static int fill(MemorySegment buf, long index, int bodyLength) {
        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, index);
        for (int i = 0; i < bodyLength; i++) {
            buf.set(ValueLayout.JAVA_BYTE, MIN + i, (byte) (index * 31 + i));
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.asSlice(0, 8).asByteBuffer());
        crc.update(buf.asSlice(MIN, bodyLength).asByteBuffer());
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 8, (int) crc.getValue());
        return MIN + bodyLength;
    }

    /** Returns the record's index after checking its checksum; throws if it does not match. */
    static long check(MemorySegment payload) {
        if (payload.byteSize() < MIN) {
            throw new AssertionError("record too short: " + payload.byteSize());
        }
        CRC32C crc = new CRC32C();
        crc.update(payload.asSlice(0, 8).asByteBuffer());
        crc.update(payload.asSlice(MIN).asByteBuffer());
        long index = payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if ((int) crc.getValue() != payload.get(ValueLayout.JAVA_INT_UNALIGNED, 8)) {
            throw new AssertionError("checksum mismatch in record " + index);
        }
        return index;
    }
}
