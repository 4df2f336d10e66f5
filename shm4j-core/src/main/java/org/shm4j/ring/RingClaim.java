package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.RECORD_HEADER_LENGTH;

import java.lang.foreign.MemorySegment;
import org.shm4j.internal.Messages;

/**
 * Space reserved in a ring by {@link RingProducer#tryClaim}: fill {@link #segment()}, then
 * {@link #commit()} to publish the record or {@link #abort()} to drop it. The object belongs to
 * its producer and is reused by every claim (no allocation per message); {@link #close()} aborts
 * a claim that was neither committed nor aborted, so it works in try-with-resources.
 *
 * {@snippet :
 * RingClaim claim = producer.tryClaim(7, 64);
 * if (claim != null) {
 *     MemorySegment s = claim.segment();
 *     s.set(ValueLayout.JAVA_LONG, 0, orderId);
 *     claim.commit();
 * }
 * }
 *
 * <p>Do not touch the segment after commit or abort: the consumer may already be reading it, and
 * the space may already hold another record. Hold a claim well under the consumer's skip timeout:
 * a claim held past it is skipped, its space is reused, and writes through this segment would then
 * overwrite other producers' records.
 */
public final class RingClaim implements AutoCloseable {
    private final RingProducer producer;
    private final MemorySegment data;
    private long position;
    private long offset;
    private int length;
    private int typeId;
    private boolean active;

    RingClaim(RingProducer producer, MemorySegment data) {
        this.producer = producer;
        this.data = data;
    }

    void open(long position, long offset, int length, int typeId) {
        this.position = position;
        this.offset = offset;
        this.length = length;
        this.typeId = typeId;
        this.active = true;
    }

    /**
     * The claimed payload bytes, exactly {@link #length()} long.
     *
     * @throws IllegalStateException if the claim was committed or aborted
     */
    public MemorySegment segment() {
        checkActive();
        return data.asSlice(offset + RECORD_HEADER_LENGTH, length);
    }

    /** Payload bytes claimed. */
    public int length() {
        return length;
    }

    public int typeId() {
        return typeId;
    }

    /** The record's position in the ring (bytes since the ring's start position, wrapping). */
    public long position() {
        return position;
    }

    long offset() {
        return offset;
    }

    boolean isActive() {
        return active;
    }

    /**
     * Publishes the record. If the consumer skipped the claim because it was held past its skip
     * timeout, the record is lost (counted as skipped by the consumer); if later records already
     * took its space, nothing is written, so they stay intact.
     *
     * @throws IllegalStateException if the claim was already committed or aborted
     */
    public void commit() {
        checkActive();
        active = false;
        producer.commit(this);
    }

    /**
     * Drops the record: the consumer steps over it without delivering it.
     *
     * @throws IllegalStateException if the claim was already committed or aborted
     */
    public void abort() {
        checkActive();
        active = false;
        producer.abort(this);
    }

    /** Aborts the claim if it is still open; does nothing otherwise. */
    @Override
    public void close() {
        if (active) {
            abort();
        }
    }

    private void checkActive() {
        if (!active) {
            throw new IllegalStateException(Messages.format("claim is not open", "position", position));
        }
    }
}
