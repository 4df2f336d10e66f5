package org.shm4j.jcstress.ring;

import java.lang.foreign.MemorySegment;
import org.shm4j.ring.RecordHandler;

/**
 * A handler that remembers what polls delivered: how many records, the {@link Payload} value of
 * the first and the last, every value seen, and the losses reported. It reads each payload inside
 * {@link #onRecord}, as a real handler must: a consumer's payload is a slice of the ring.
 */
final class Tally implements RecordHandler {
    int records;
    int first;
    int last;
    /** Bit {@code v} set for each whole record of value {@code v} (values below 31). */
    int seen;
    boolean torn;
    long lost;

    @Override
    public void onRecord(int typeId, MemorySegment payload) {
        int v = Payload.valueOf(typeId, payload);
        if (records == 0) {
            first = v;
        }
        last = v;
        records++;
        if (v == Payload.TORN) {
            torn = true;
        } else if (v < Integer.SIZE - 1) {
            seen |= 1 << v;
        }
    }

    @Override
    public void onLoss(long lostRecords) {
        lost += lostRecords;
    }

    /** The last value delivered, {@link Payload#TORN} if any record was torn, 0 if none came. */
    int value() {
        return torn ? Payload.TORN : last;
    }
}
