package org.shm4j.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * Self-checking payloads for tests: {@code [source u32][sequence u64][bytes...][crc32c u32]}, the
 * bytes derived from source and sequence, the CRC over everything before it. Any payload of at
 * least {@link #MIN} bytes can be built and checked.
 */
final class Payloads {
    static final int MIN = 16;

    private Payloads() {}

    static MemorySegment build(Arena arena, int source, long sequence, int length) {
        MemorySegment s = arena.allocate(Math.max(length, 1), 8).asSlice(0, length);
        fill(s, source, sequence);
        return s;
    }

    /** Writes a checked payload over all of {@code s}. */
    static void fill(MemorySegment s, int source, long sequence) {
        int length = (int) s.byteSize();
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 0, source);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, sequence);
        long x = sequence * 0x9E3779B97F4A7C15L + source;
        for (int i = 12; i < length - 4; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            s.set(ValueLayout.JAVA_BYTE, i, (byte) x);
        }
        s.set(ValueLayout.JAVA_INT_UNALIGNED, length - 4, crc(s, length - 4));
    }

    static int crc(MemorySegment s, int length) {
        CRC32C crc = new CRC32C();
        crc.update(s.asSlice(0, length).asByteBuffer());
        return (int) crc.getValue();
    }

    /** Checks a payload; throws AssertionError naming what is wrong. */
    static void check(MemorySegment s) {
        int length = (int) s.byteSize();
        if (length < MIN) {
            throw new AssertionError("payload too short: " + length);
        }
        int stored = s.get(ValueLayout.JAVA_INT_UNALIGNED, length - 4);
        int actual = crc(s, length - 4);
        if (stored != actual) {
            throw new AssertionError("torn or corrupt payload: length=" + length + ", source=" + source(s)
                    + ", sequence=" + sequence(s));
        }
    }

    static int source(MemorySegment s) {
        return s.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    }

    static long sequence(MemorySegment s) {
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED, 4);
    }
}
