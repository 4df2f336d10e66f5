package org.shm4j.aeron;

import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.shm4j.ring.BroadcastTransmitter;
import org.shm4j.ring.RingProducer;

/**
 * The receiving end: polls the subscription and writes each frame's record into the local ring.
 * When the ring is full it aborts the fragment, so Aeron keeps it and stops acknowledging, and
 * the sender's flow control holds back. Sequence numbers decide what is written: a repeat is
 * dropped, a gap is announced by a loss notice before the next record.
 */
final class ReceiveEngine extends BridgeEngine implements ControlledFragmentHandler {
    private static final int FRAGMENT_LIMIT = 64;
    private static final int STAGING_MAX = 16 << 20;

    private final RingProducer producer;
    private final BroadcastTransmitter transmitter;
    private final int ringMaxPayload;
    private final Subscription subscription;
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this);
    private final ByteBuffer stagingBuffer;
    private final MemorySegment stagingSegment;
    private final MemorySegment lossNotice = MemorySegment.ofBuffer(ByteBuffer.allocateDirect(RingBridge.LOSS_NOTICE_BYTES));
    private final MemorySegment[] slices;
    private long epoch;
    private long lastSequence;
    private long pendingNotice;
    private boolean pressured;

    private ReceiveEngine(RingProducer producer, BroadcastTransmitter transmitter, int ringMaxPayload,
            Subscription subscription, BridgeState state) {
        super(state);
        this.producer = producer;
        this.transmitter = transmitter;
        this.ringMaxPayload = ringMaxPayload;
        this.subscription = subscription;
        this.stagingBuffer = ByteBuffer.allocateDirect(Math.min(ringMaxPayload, STAGING_MAX));
        this.stagingSegment = MemorySegment.ofBuffer(stagingBuffer);
        this.slices = new MemorySegment[Math.min(4097, stagingBuffer.capacity() + 1)];
        long[] progress = new long[3];
        state.progress(progress);
        this.epoch = progress[0];
        this.lastSequence = progress[1];
        // A previous run died while writing this record: it may or may not be in the ring.
        this.pendingNotice = progress[2] != 0 ? 1 : 0;
    }

    static ReceiveEngine ofRing(RingProducer producer, int ringMaxPayload, Subscription subscription,
            BridgeState state) {
        return new ReceiveEngine(producer, null, ringMaxPayload, subscription, state);
    }

    static ReceiveEngine ofBroadcast(BroadcastTransmitter transmitter, int ringMaxPayload, Subscription subscription,
            BridgeState state) {
        return new ReceiveEngine(null, transmitter, ringMaxPayload, subscription, state);
    }

    @Override
    int doWork() {
        connected(subscription.isConnected());
        if (pendingNotice > 0) {
            if (!writeLoss(pendingNotice, lastSequence)) {
                return 0;
            }
            state.add(BridgeState.LOST_OFFSET, pendingNotice);
            pendingNotice = 0;
            state.commitProgress(epoch, lastSequence, 0);
        }
        return subscription.controlledPoll(assembler, FRAGMENT_LIMIT);
    }

    @Override
    public Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if (BridgeFrame.refusal(buffer, offset, length, RingBridge.LOSS_TYPE_ID) != null) {
            state.add(BridgeState.REFUSED_OFFSET, 1);
            return Action.CONTINUE;
        }
        int count = buffer.getInt(offset + BridgeFrame.COUNT_OFFSET);
        long frameEpoch = buffer.getLong(offset + BridgeFrame.EPOCH_OFFSET);
        long sequence = buffer.getLong(offset + BridgeFrame.SEQUENCE_OFFSET);
        if (frameEpoch != epoch) {
            // Another sender's numbering (a new sender, or one whose state was removed).
            epoch = frameEpoch;
            lastSequence = 0;
            state.commitProgress(epoch, 0, 0);
        }
        boolean wroteAny = false;
        boolean repeat = true;
        int at = offset + BridgeFrame.HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            int typeId = buffer.getInt(at);
            int payloadLength = buffer.getInt(at + 4);
            long taken = typeId == RingBridge.LOSS_TYPE_ID ? buffer.getLong(at + BridgeFrame.RECORD_HEADER_LENGTH) : 1;
            long last = sequence + taken - 1;
            // Entries already written (a repeat, or a frame aborted part-way and delivered again) are skipped.
            if (last > lastSequence) {
                repeat = false;
                Action a = entry(typeId, buffer, at + BridgeFrame.RECORD_HEADER_LENGTH, payloadLength, sequence, last);
                if (a != null) {
                    return a;
                }
                wroteAny = true;
            }
            sequence = last + 1;
            at += (int) BridgeFrame.recordLength(payloadLength);
        }
        if (repeat) {
            state.add(BridgeState.DUPLICATES_OFFSET, 1);
        } else if (wroteAny) {
            pressured = false;
        }
        return Action.CONTINUE;
    }

    /**
     * Writes one entry whose sequences run from {@code first} to {@code last} (one record, or a
     * loss entry), after announcing any gap before it. Returns null when done, or ABORT when the
     * ring is full (the fragment is delivered again later; what was written is then skipped).
     */
    private Action entry(int typeId, DirectBuffer buffer, int payloadOffset, int payloadLength, long first, long last) {
        long from = Math.max(first, lastSequence + 1);
        if (from > lastSequence + 1 || (typeId == RingBridge.LOSS_TYPE_ID && from == lastSequence + 1)) {
            // A gap before this entry, or a loss entry: one notice for every sequence up to the
            // entry (loss entry included).
            long gapEnd = typeId == RingBridge.LOSS_TYPE_ID ? last : first - 1;
            if (gapEnd > lastSequence) {
                long lost = gapEnd - lastSequence;
                if (!writeLoss(lost, lastSequence + 1)) {
                    return pressure();
                }
                state.add(BridgeState.LOST_OFFSET, lost);
                lastSequence = gapEnd;
                state.commitProgress(epoch, lastSequence, 0);
            }
            if (typeId == RingBridge.LOSS_TYPE_ID) {
                return null;
            }
        }
        if (payloadLength > ringMaxPayload || payloadLength > stagingBuffer.capacity()) {
            // Does not fit this ring: refused, and announced as one lost record.
            if (!writeLoss(1, first)) {
                return pressure();
            }
            state.add(BridgeState.REFUSED_OFFSET, 1);
            state.add(BridgeState.LOST_OFFSET, 1);
            lastSequence = first;
            state.commitProgress(epoch, lastSequence, 0);
            return null;
        }
        if (!write(typeId, buffer, payloadOffset, payloadLength, first)) {
            return pressure();
        }
        lastSequence = first;
        state.add(BridgeState.RECORDS_OFFSET, 1);
        state.add(BridgeState.BYTES_OFFSET, payloadLength);
        return null;
    }

    private boolean write(int typeId, DirectBuffer buffer, int offset, int length, long sequence) {
        buffer.getBytes(offset, stagingBuffer, 0, length);
        MemorySegment payload = staged(length);
        if (transmitter != null) {
            transmitter.transmit(typeId, payload);
            state.commitProgress(epoch, sequence, 0);
            return true;
        }
        // Marked in progress first: a crash before the commit below is reported as a possible
        // loss (the record may or may not be in the ring), never written twice.
        state.commitProgress(epoch, sequence, 1);
        if (!producer.offer(typeId, payload)) {
            state.commitProgress(epoch, lastSequence, 0);
            return false;
        }
        state.commitProgress(epoch, sequence, 0);
        return true;
    }

    /** The first {@code length} staged bytes; slices of up to 4 KiB are made once and kept. */
    private MemorySegment staged(int length) {
        if (length >= slices.length) {
            return stagingSegment.asSlice(0, length);
        }
        MemorySegment s = slices[length];
        if (s == null) {
            s = stagingSegment.asSlice(0, length);
            slices[length] = s;
        }
        return s;
    }

    private boolean writeLoss(long lost, long firstSequence) {
        lossNotice.set(RingBridge.LE_LONG, 0, lost);
        lossNotice.set(RingBridge.LE_LONG, 8, epoch);
        lossNotice.set(RingBridge.LE_LONG, 16, firstSequence);
        if (transmitter != null) {
            transmitter.transmit(RingBridge.LOSS_TYPE_ID, lossNotice);
            return true;
        }
        return producer.offer(RingBridge.LOSS_TYPE_ID, lossNotice);
    }

    private Action pressure() {
        if (!pressured) {
            pressured = true;
            state.add(BridgeState.BACK_PRESSURE_OFFSET, 1);
        }
        return Action.ABORT;
    }
}
