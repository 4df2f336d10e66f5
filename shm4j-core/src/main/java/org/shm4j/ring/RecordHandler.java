package org.shm4j.ring;

import java.lang.foreign.MemorySegment;

/**
 * Receives records from a {@link RingConsumer} or {@link BroadcastReceiver}.
 *
 * <p>For a consumer the payload is a slice of the ring itself (zero copy), valid only during the
 * call: once the handler returns, producers may overwrite it. For a broadcast receiver it is a
 * copy that was checked after copying, so it is never torn. Either way, keep nothing of it.
 */
@FunctionalInterface
public interface RecordHandler {
    /**
     * One record.
     *
     * @param typeId the type id the producer gave, 0 to 2^31-1
     * @param payload the payload, read-only for broadcast receivers; do not use after returning
     */
    void onRecord(int typeId, MemorySegment payload);

    /**
     * Records were lost before the next one delivered: a broadcast receiver was lapped by the
     * transmitter, or a consumer skipped a record whose producer held it past the skip timeout.
     * The default does nothing; the counts are also kept by the consumer or receiver.
     *
     * @param lostRecords how many records were lost (for a skipped gap whose producer never wrote a
     *     header, 1)
     */
    default void onLoss(long lostRecords) {}
}
