package org.shm4j.aeron;

import io.aeron.Publication;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.shm4j.ring.BroadcastReceiver;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;

/**
 * The sending end: takes one record at a time from the local ring into a staging buffer (behind
 * its frame header), then offers it to the publication until the publication takes it. It takes
 * the next record only after that, so a publication that cannot keep up leaves records in the
 * ring, and the ring fills.
 *
 * <p>Progress slot: {@code (sequence, ring position, staged)}. While a record is staged (taken
 * from the ring, not yet in the publication) the slot holds its sequence, the position it was
 * taken from, and 1; once published, 0. After a crash a restart reads it: a staged record whose
 * position is still the ring's head was never taken, so it is published again under the same
 * sequence; a staged record that left the ring may or may not have been published, so its
 * sequence is skipped: the receiver sees either the record or a gap of one, never a repeat.
 */
final class SendEngine extends BridgeEngine implements RecordHandler {
    private static final long LINGER_NANOS = 3_000_000_000L;
    private static final long QUIET_NANOS = 300_000_000L;

    private final RingConsumer consumer;
    private final BroadcastReceiver receiver;
    private final Publication publication;
    private final UnsafeBuffer staging;
    private final MemorySegment stagingSegment;
    private final int maxPayload;
    private final long epoch;
    private final long ringIdentity;
    private long nextSequence;
    private long positionBefore;
    /** Frame length of the staged record, 0 when none is staged. */
    private int stagedLength;
    private boolean tooLong;
    private boolean pressured;

    private SendEngine(RingConsumer consumer, BroadcastReceiver receiver, int ringMaxPayload, long ringIdentity,
            Publication publication, BridgeState state, IdleStrategy idle) {
        super(state, idle);
        this.consumer = consumer;
        this.receiver = receiver;
        this.publication = publication;
        this.ringIdentity = ringIdentity;
        this.maxPayload = Math.min(ringMaxPayload, publication.maxMessageLength() - BridgeFrame.HEADER_LENGTH);
        ByteBuffer direct = ByteBuffer.allocateDirect(BridgeFrame.HEADER_LENGTH + maxPayload);
        this.staging = new UnsafeBuffer(direct);
        this.stagingSegment = MemorySegment.ofBuffer(direct);
        this.epoch = state.epoch();
        long[] progress = new long[3];
        state.progress(progress);
        long sequence = progress[0];
        boolean staged = progress[2] != 0;
        boolean sameRing = state.get(BridgeState.RING_IDENTITY_OFFSET) == ringIdentity;
        if (staged && consumer != null && sameRing && consumer.position() == progress[1]) {
            nextSequence = sequence; // never left the ring: publish it again under the same number
        } else {
            nextSequence = sequence + 1;
            if (staged) {
                state.add(BridgeState.LOST_OFFSET, 1); // may have been published; the receiver sees a gap if not
            }
        }
        state.put(BridgeState.RING_IDENTITY_OFFSET, ringIdentity);
    }

    static SendEngine ofRing(RingConsumer consumer, int maxPayload, long ringIdentity, Publication publication,
            BridgeState state, IdleStrategy idle) {
        return new SendEngine(consumer, null, maxPayload, ringIdentity, publication, state, idle);
    }

    static SendEngine ofBroadcast(BroadcastReceiver receiver, int maxPayload, long ringIdentity,
            Publication publication, BridgeState state, IdleStrategy idle) {
        return new SendEngine(null, receiver, maxPayload, ringIdentity, publication, state, idle);
    }

    @Override
    int doWork() {
        boolean isConnected = publication.isConnected();
        connected(isConnected);
        if (stagedLength > 0) {
            return publishStaged();
        }
        if (!isConnected) {
            return 0;
        }
        if (publication.availableWindow() <= 0) {
            pressure();
            return 0;
        }
        positionBefore = consumer != null ? consumer.position() : 0;
        int taken = consumer != null ? consumer.poll(this, 1) : receiver.poll(this, 1);
        if (taken == 0 || stagedLength == 0) {
            return taken;
        }
        publishStaged();
        return taken;
    }

    /** Stages the record; kept small so that it inlines into the ring's poll loop. */
    @Override
    public void onRecord(int typeId, MemorySegment payload) {
        long length = payload.byteSize();
        long sequence = nextSequence;
        if (typeId == RingBridge.LOSS_TYPE_ID || length > maxPayload) {
            passOnLoss(typeId, payload, sequence);
            return;
        }
        BridgeFrame.writeHeader(staging, typeId, (int) length, epoch, sequence);
        MemorySegment.copy(payload, 0, stagingSegment, BridgeFrame.HEADER_LENGTH, length);
        stagedLength = BridgeFrame.HEADER_LENGTH + (int) length;
        state.commitProgress(sequence, positionBefore, 1);
    }

    /**
     * A loss notice from an upstream bridge becomes a gap of the same size; a record too long
     * for a message becomes a gap of one (and is counted as refused).
     */
    private void passOnLoss(int typeId, MemorySegment payload, long sequence) {
        long lost = 1;
        if (typeId == RingBridge.LOSS_TYPE_ID) {
            if (payload.byteSize() >= RingBridge.LOSS_NOTICE_BYTES) {
                lost = Math.max(1, payload.get(RingBridge.LE_LONG, 0));
            }
        } else {
            state.add(BridgeState.REFUSED_OFFSET, 1);
        }
        nextSequence = sequence + lost;
        state.commitProgress(nextSequence - 1, positionBefore, 0);
        state.add(BridgeState.LOST_OFFSET, lost);
    }

    private int publishStaged() {
        long result = publication.offer(staging, 0, stagedLength);
        if (result > 0) {
            long sequence = nextSequence;
            state.commitProgress(sequence, positionBefore, 0);
            state.add(BridgeState.RECORDS_OFFSET, 1);
            state.add(BridgeState.BYTES_OFFSET, stagedLength - BridgeFrame.HEADER_LENGTH);
            nextSequence = sequence + 1;
            stagedLength = 0;
            pressured = false;
            return 1;
        }
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            giveUp();
            throw new IllegalStateException(Msg.format("publication cannot take more", "channel",
                    publication.channel(), "stream", publication.streamId(), "result", result));
        }
        if (result == Publication.NOT_CONNECTED) {
            connected(false);
        } else {
            pressure();
        }
        if (!running) {
            giveUp();
        }
        return 0;
    }

    @Override
    public void onLoss(long lostRecords) {
        // A broadcast receiver was lapped, or a consumer skipped a record its producer held too
        // long: the receiver sees the same number as a gap.
        nextSequence += lostRecords;
        state.add(BridgeState.LOST_OFFSET, lostRecords);
    }

    /** The staged record is not sent: its sequence is used up, so the receiver sees a gap of one. */
    private void giveUp() {
        state.commitProgress(nextSequence, positionBefore, 0);
        state.add(BridgeState.LOST_OFFSET, 1);
        nextSequence++;
        stagedLength = 0;
    }

    @Override
    void onStop() {
        long deadline = System.nanoTime() + LINGER_NANOS;
        while (stagedLength > 0 && publication.isConnected() && System.nanoTime() - deadline < 0) {
            if (publishStaged() == 0) {
                idle.idle(0);
            }
        }
        if (stagedLength > 0) {
            giveUp();
        }
        // Frames in the publication reach the receiver only while this process's driver sends
        // them: wait (bounded) until the receiver's acknowledgements stop moving the limit.
        long limit = publication.positionLimit();
        long quietSince = System.nanoTime();
        while (publication.isConnected() && System.nanoTime() - deadline < 0
                && System.nanoTime() - quietSince < QUIET_NANOS) {
            long now = publication.positionLimit();
            if (now != limit) {
                limit = now;
                quietSince = System.nanoTime();
            }
            idle.idle(0);
        }
    }

    private void pressure() {
        if (!pressured) {
            pressured = true;
            state.add(BridgeState.BACK_PRESSURE_OFFSET, 1);
        }
    }
}
