package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** The byte patterns the interop peers (src/test/c/shm_peer.c, the Python scripts) write and check. */
final class Interop {
    private Interop() {}

    static byte javaByte(long i) {
        return (byte) ((i * 7 + 3) & 0xff);
    }

    static byte peerByte(long i) {
        return (byte) ((i * 11 + 5) & 0xff);
    }

    /** Writes Java's pattern over {@code [from, to)}. */
    static void writeJavaPattern(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i++) {
            s.set(JAVA_BYTE, i, javaByte(i));
        }
    }

    /** The first index in {@code [from, to)} that does not hold the peer's pattern, or -1. */
    static long firstPeerMismatch(MemorySegment s, long from, long to) {
        for (long i = from; i < to; i++) {
            if (s.get(JAVA_BYTE, i) != peerByte(i)) {
                return i;
            }
        }
        return -1;
    }

    /** The module directory, where surefire runs the tests. */
    static Path moduleDirectory() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    }
}
