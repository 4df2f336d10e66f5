package org.shm4j.jcstress.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Record payloads that show tearing: {@value #LENGTH} bytes with the same positive value in the
 * first and the last 8 bytes. A reader that sees a record before all of it is written, or while
 * it is overwritten, finds the two ends different, or zero, or the length or type id wrong.
 */
final class Payload {
    static final int LENGTH = 64;
    static final int TYPE = 7;
    /** What {@link #valueOf} returns for a payload that is not whole. */
    static final int TORN = -1;

    private Payload() {}

    /** A payload carrying {@code value} (positive), on the heap: offer and transmit copy it. */
    static MemorySegment of(int value) {
        MemorySegment s = MemorySegment.ofArray(new long[LENGTH / Long.BYTES]);
        fill(s, value);
        return s;
    }

    /** Writes {@code value} at both ends of a {@value #LENGTH}-byte segment (a claim's, say). */
    static void fill(MemorySegment s, int value) {
        s.set(ValueLayout.JAVA_LONG, 0, value);
        s.set(ValueLayout.JAVA_LONG, LENGTH - Long.BYTES, value);
    }

    /** The value a delivered record carries, or {@link #TORN} unless it is whole. */
    static int valueOf(int typeId, MemorySegment payload) {
        if (typeId != TYPE || payload.byteSize() != LENGTH) {
            return TORN;
        }
        long first = payload.get(ValueLayout.JAVA_LONG, 0);
        long last = payload.get(ValueLayout.JAVA_LONG, LENGTH - Long.BYTES);
        // Zero is never written: it is what the ring held before the record.
        return first == last && first > 0 && first <= Integer.MAX_VALUE ? (int) first : TORN;
    }
}
