package org.shm4j.cli.demo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The demo segment's layout, little-endian, fixed-width:
 *
 * <pre>
 *  0       8        12       16           24         32
 *  +-------+--------+--------+------------+----------+------ ... ------+
 *  | magic | version| state  | parent pid | peer pid | reserved        |
 *  +-------+--------+--------+------------+----------+------ ... ------+
 *  64: message  (u32 length, then at most 1020 bytes of UTF-8), written by the parent
 *  1088: answer (u32 length, then at most 1020 bytes of UTF-8), written by the peer
 * </pre>
 *
 * The magic is published last with a release store; {@code state} moves 0 → 1 (the parent wrote
 * its message, release) → 2 (the peer wrote its answer, release); each side reads it with an
 * acquire load, which pairs with the other side's release store.
 */
final class DemoLayout {
    /** {@code SHM4JDMO} as a little-endian long. */
    static final long MAGIC = 0x4f4d444a344d4853L;
    static final int VERSION = 1;
    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 8;
    static final long STATE_OFFSET = 12;
    static final long PARENT_PID_OFFSET = 16;
    static final long PEER_PID_OFFSET = 24;
    static final long MESSAGE_OFFSET = 64;
    static final long ANSWER_OFFSET = 1088;
    static final int TEXT_CAPACITY = 1020;
    static final long BYTE_SIZE = 4096;

    static final int STATE_EMPTY = 0;
    static final int STATE_MESSAGE = 1;
    static final int STATE_ANSWER = 2;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ORDERED_LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle ORDERED_INT = ValueLayout.JAVA_INT.varHandle();

    private DemoLayout() {}

    static void publishMagic(MemorySegment s) {
        // Pairs with magicAcquire in the peer: everything written before is visible once it sees the magic.
        ORDERED_LONG.setRelease(s, MAGIC_OFFSET, MAGIC);
    }

    static long magicAcquire(MemorySegment s) {
        return (long) ORDERED_LONG.getAcquire(s, MAGIC_OFFSET);
    }

    static void setStateRelease(MemorySegment s, int state) {
        ORDERED_INT.setRelease(s, STATE_OFFSET, state);
    }

    static int stateAcquire(MemorySegment s) {
        return (int) ORDERED_INT.getAcquire(s, STATE_OFFSET);
    }

    static void writeHeader(MemorySegment s, long parentPid) {
        s.set(INT, VERSION_OFFSET, VERSION);
        s.set(LONG, PARENT_PID_OFFSET, parentPid);
    }

    static void setPeerPid(MemorySegment s, long pid) {
        s.set(LONG, PEER_PID_OFFSET, pid);
    }

    static void writeText(MemorySegment s, long offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(bytes.length, TEXT_CAPACITY);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, offset + 4, n);
        s.set(INT, offset, n);
    }

    /** The text at {@code offset}, or empty when its length is not plausible: the other side is untrusted. */
    static Optional<String> readText(MemorySegment s, long offset) {
        int n = s.get(INT, offset);
        if (n < 0 || n > TEXT_CAPACITY) {
            return Optional.empty();
        }
        byte[] bytes = new byte[n];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, offset + 4, bytes, 0, n);
        return Optional.of(new String(bytes, StandardCharsets.UTF_8));
    }

    static int version(java.nio.ByteBuffer header) {
        return header.getInt((int) VERSION_OFFSET);
    }
}
