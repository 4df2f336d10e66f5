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
 * The sending end: takes records from the local ring one at a time and offers each, framed, to
 * the publication. A record leaves the ring only once its frame is in the publication (or, on
 * close, is given up and counted as a gap), and the progress slot records (sequence, ring
 * position) after each, so a restart after a crash neither repeats a sequence for other bytes nor
 * hides a record: a record published just before the crash is published again under the same
 * sequence, which the receiver drops as a duplicate.
 */
final class SendEngine extends BridgeEngine implements RecordHandler {
    private static final int BATCH = 64;

    private final RingConsumer consumer;
    private final BroadcastReceiver receiver;
    private final Publication publication;
    private final UnsafeBuffer staging;
    private final MemorySegment stagingSegment;
    private final int maxPayload;
    private final long epoch;
    private long nextSequence;
    private boolean skipArmed;
    private final long resumePosition;
    private long positionBefore;
    private boolean pressured;

    private SendEngine(RingConsumer consumer, BroadcastReceiver receiver, int ringMaxPayload, Publication publication,
            BridgeState state, IdleStrategy idle) {
        super(state, idle);
        this.consumer = consumer;
        this.receiver = receiver;
        this.publication = publication;
        this.maxPayload = Math.min(ringMaxPayload, publication.maxMessageLength() - BridgeFrame.HEADER_LENGTH);
        ByteBuffer direct = ByteBuffer.allocateDirect(BridgeFrame.HEADER_LENGTH + maxPayload);
        this.staging = new UnsafeBuffer(direct);
        this.stagingSegment = MemorySegment.ofBuffer(direct);
        this.epoch = state.epoch();
        long[] progress = new long[3];
        state.progress(progress);
        this.nextSequence = progress[0] + 1;
        this.resumePosition = progress[1];
        this.skipArmed = consumer != null && progress[0] > 0;
    }

    static SendEngine ofRing(RingConsumer consumer, int maxPayload, Publication publication, BridgeState state,
            IdleStrategy idle) {
        return new SendEngine(consumer, null, maxPayload, publication, state, idle);
    }

    static SendEngine ofBroadcast(BroadcastReceiver receiver, Publication publication, BridgeState state,
            IdleStrategy idle, int maxPayload) {
        return new SendEngine(null, receiver, maxPayload, publication, state, idle);
    }

    @Override
    int doWork() {
        if (!publication.isConnected()) {
            connected(false);
            return 0;
        }
        connected(true);
        if (publication.availableWindow() <= 0) {
            pressure();
            return 0;
        }
        if (receiver != null) {
            return receiver.poll(this, BATCH);
        }
        int work = 0;
        while (work < BATCH && running) {
            positionBefore = consumer.position();
            if (consumer.poll(this, 1) == 0) {
                break;
            }
            work++;
        }
        return work;
    }

    @Override
    public void onRecord(int typeId, MemorySegment payload) {
        if (skipArmed) {
            skipArmed = false;
            if (positionBefore == resumePosition) {
                return; // published (and its sequence recorded) just before the previous run ended
            }
        }
        long sequence = nextSequence;
        if (typeId == RingBridge.LOSS_TYPE_ID) {
            // A notice from an upstream bridge: pass the loss on as a gap of the same size.
            long lost = payload.byteSize() >= RingBridge.LOSS_NOTICE_BYTES ? payload.get(RingBridge.LE_LONG, 0) : 1;
            lost = Math.max(1, lost);
            nextSequence = sequence + lost;
            state.commitProgress(nextSequence - 1, positionBefore, 0);
            state.add(BridgeState.LOST_OFFSET, lost);
            return;
        }
        long length = payload.byteSize();
        if (length > maxPayload) {
            state.add(BridgeState.REFUSED_OFFSET, 1);
            giveUp(sequence);
            return;
        }
        BridgeFrame.writeHeader(staging, typeId, (int) length, epoch, sequence);
        MemorySegment.copy(payload, 0, stagingSegment, BridgeFrame.HEADER_LENGTH, length);
        int frameLength = BridgeFrame.HEADER_LENGTH + (int) length;
        while (true) {
            long result = publication.offer(staging, 0, frameLength);
            if (result > 0) {
                break;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                giveUp(sequence);
                throw new IllegalStateException(Msg.format("publication cannot take more", "channel",
                        publication.channel(), "stream", publication.streamId(), "result", result));
            }
            if (result == Publication.NOT_CONNECTED) {
                connected(false);
            } else {
                pressure();
            }
            if (!running) {
                giveUp(sequence);
                return;
            }
            idle.idle(0);
        }
        pressured = false;
        nextSequence = sequence + 1;
        state.commitProgress(sequence, positionBefore, 0);
        state.add(BridgeState.RECORDS_OFFSET, 1);
        state.add(BridgeState.BYTES_OFFSET, length);
    }

    @Override
    public void onLoss(long lostRecords) {
        // Broadcast receiver lapped, or a consumer skipped a record its producer held too long:
        // the receiver sees the same number as a gap.
        nextSequence += lostRecords;
        state.add(BridgeState.LOST_OFFSET, lostRecords);
    }

    /** The record in hand is not sent: its sequence is used up, so the receiver sees a gap of one. */
    private void giveUp(long sequence) {
        nextSequence = sequence + 1;
        state.commitProgress(sequence, positionBefore, 0);
        state.add(BridgeState.LOST_OFFSET, 1);
    }

    private void pressure() {
        if (!pressured) {
            pressured = true;
            state.add(BridgeState.BACK_PRESSURE_OFFSET, 1);
        }
    }
}
