package org.shm4j.ring;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** A handler that checks each record's payload ({@link Payloads}) and records its sequence, and every loss reported. */
final class Recorder implements RecordHandler {
    final List<Long> sequences = new ArrayList<>();
    final List<Long> losses = new ArrayList<>();

    @Override
    public void onRecord(int typeId, MemorySegment payload) {
        Payloads.check(payload);
        sequences.add(Payloads.sequence(payload));
    }

    @Override
    public void onLoss(long lostRecords) {
        losses.add(lostRecords);
    }

    /** Records reported lost, in total. */
    long lost() {
        return losses.stream().mapToLong(Long::longValue).sum();
    }
}
