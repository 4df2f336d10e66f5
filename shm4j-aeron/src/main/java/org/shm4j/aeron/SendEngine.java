package org.shm4j.aeron;

import io.aeron.Publication;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.shm4j.ring.BroadcastReceiver;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;

/**
 * The sending end: takes records from the local ring one at a time into a staging buffer, as a
 * batch that fills about one datagram (the publication's {@code maxPayloadLength}: 1376 bytes
 * with Aeron's default MTU of 1408; fewer when the ring has no more now), then
 * offers the batch, as one frame, to the publication until it takes it. It takes more records
 * only after that, so a publication that cannot keep up leaves records in the ring, and the ring
 * fills.
 *
 * <p>Progress slot: {@code (last sequence, ring position, staged)}. While a batch is staged (its
 * records taken from the ring, not yet in the publication) the slot holds the last sequence it
 * uses (gaps to pass on included), the ring position before its first record, and how many
 * sequences it uses; once published, staged is 0. After a crash a restart reads it: a staged
 * batch whose position is still the ring's head never left the ring, so it is taken again under
 * the same sequences; a staged batch that left the ring may or may not have been published, so
 * its sequences are skipped: the receiver sees either its records or a gap, never a repeat.
 */
final class SendEngine extends BridgeEngine implements RecordHandler {
    /**
     * The address space, to copy a delivered payload by its address ({@link #stage}); only
     * addresses of the record being delivered, within its length, are ever read through it.
     */
    @SuppressWarnings("restricted")
    private static final MemorySegment ADDRESSES = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** Room left in a datagram for one more record of this many payload bytes when a batch stops growing. */
    private static final int LAST_RECORD_ROOM = BridgeFrame.RECORD_HEADER_LENGTH + 64;
    /** The smallest batch limit, for publications with a tiny MTU. */
    private static final int MIN_BATCH = 256;
    private static final long LINGER_NANOS = 3_000_000_000L;
    private static final long QUIET_NANOS = 300_000_000L;

    private final RingConsumer consumer;
    private final BroadcastReceiver receiver;
    private final Publication publication;
    private final UnsafeBuffer staging;
    private final MemorySegment stagingSegment;
    private final int maxPayload;
    private final int batchBytes;
    private final long epoch;
    private long nextSequence;
    private long positionBefore;
    /** Entries in the staged batch (records and loss entries), and the records among them. */
    private int stagedCount;
    private int stagedRecords;
    /** Sequence numbers the staged batch uses: one per record, n per loss entry of n. */
    private long stagedSequences;
    /** Bytes staged, frame header included. */
    private int stagedBytes = BridgeFrame.HEADER_LENGTH;
    private boolean pressured;
    private int lingerPhase;
    private long lingerDeadline;
    private long lingerLimit;
    private long quietSince;

    private SendEngine(RingConsumer consumer, BroadcastReceiver receiver, int ringMaxPayload, long ringIdentity,
            Publication publication, BridgeState state) {
        super(state);
        this.consumer = consumer;
        this.receiver = receiver;
        this.publication = publication;
        // A batch stops growing once it holds this many bytes, header included: with 64-byte
        // records it then still fits one datagram, so Aeron need not fragment it.
        this.batchBytes = Math.max(MIN_BATCH, publication.maxPayloadLength() - LAST_RECORD_ROOM);
        // A poll can also report a loss (a lapped receiver, a skipped record): one loss entry more.
        int lossEntry = BridgeFrame.RECORD_HEADER_LENGTH + 8;
        int room = publication.maxMessageLength() - batchBytes - lossEntry - BridgeFrame.RECORD_HEADER_LENGTH - 8;
        this.maxPayload = Math.min(ringMaxPayload, room);
        // Records are taken one poll at a time: a batch one byte short of batchBytes, one more
        // record as large as maxPayload and a loss entry the same poll may report still fit the
        // staging buffer and one Aeron message. (Polling several records at a time would move the
        // ring's head less often, but then the ring's payload views escaped in some JIT runs:
        // RingBridgeTest.steadyStateAllocatesNothingPerRecord saw 40 bytes a record.)
        ByteBuffer direct = ByteBuffer.allocateDirect(batchBytes + BridgeFrame.RECORD_HEADER_LENGTH
                + Math.max(maxPayload, 8) + 8 + lossEntry);
        this.staging = new UnsafeBuffer(direct);
        this.stagingSegment = MemorySegment.ofBuffer(direct);
        this.epoch = state.epoch();
        long[] progress = new long[3];
        state.progress(progress);
        long last = progress[0];
        long staged = progress[2];
        boolean sameRing = state.get(BridgeState.RING_IDENTITY_OFFSET) == ringIdentity;
        if (staged > 0 && consumer != null && sameRing && consumer.position() == progress[1]) {
            nextSequence = last - staged + 1; // never left the ring: take it again under the same numbers
        } else {
            nextSequence = last + 1;
            if (staged > 0) {
                state.add(BridgeState.LOST_OFFSET, staged); // may have been published; a gap if not
            }
        }
        state.put(BridgeState.RING_IDENTITY_OFFSET, ringIdentity);
    }

    static SendEngine ofRing(RingConsumer consumer, int maxPayload, long ringIdentity, Publication publication,
            BridgeState state) {
        return new SendEngine(consumer, null, maxPayload, ringIdentity, publication, state);
    }

    static SendEngine ofBroadcast(BroadcastReceiver receiver, int maxPayload, long ringIdentity,
            Publication publication, BridgeState state) {
        return new SendEngine(null, receiver, maxPayload, ringIdentity, publication, state);
    }

    @Override
    int doWork() {
        boolean isConnected = publication.isConnected();
        connected(isConnected);
        if (stagedCount > 0) {
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
        int taken = 0;
        while (stagedBytes < batchBytes) {
            int n = consumer != null ? consumer.poll(this, 1) : receiver.poll(this, 1);
            if (n == 0) {
                break;
            }
            taken += n;
        }
        if (stagedCount > 0) {
            publishStaged();
        }
        return taken;
    }

    /**
     * Adds the record to the staged batch. Only primitives leave this method, and it is tiny: C2
     * inlines it into the ring's delivery loop even when it was compiled on its own first (a large
     * compiled callee is not inlined), so the payload slice never escapes and is never allocated.
     * When the whole copy sat here, some JIT runs left it out of line and the sending thread
     * allocated a 40-byte slice per record (RingBridgeTest's allocation probe, in CI).
     */
    @Override
    public void onRecord(int typeId, MemorySegment payload) {
        stage(typeId, payload.address(), payload.byteSize());
    }

    /**
     * Stages the record at {@code address}: the payload of the record being delivered, mapped (the
     * consumer holds its ring's mapping; a broadcast receiver's own copy) for as long as the
     * delivery lasts, which this call is part of.
     */
    private void stage(int typeId, long address, long length) {
        if (typeId == RingBridge.LOSS_TYPE_ID || length > maxPayload) {
            passOnLoss(typeId, address, length);
            return;
        }
        int at = stagedBytes;
        staging.putInt(at, typeId);
        staging.putInt(at + 4, (int) length);
        MemorySegment.copy(ADDRESSES, address, stagingSegment, at + BridgeFrame.RECORD_HEADER_LENGTH, length);
        stagedBytes = at + (int) BridgeFrame.recordLength((int) length);
        stagedCount++;
        stagedRecords++;
        stagedSequences++;
        state.commitProgress(nextSequence + stagedSequences - 1, positionBefore, stagedSequences);
    }

    /**
     * A loss notice from an upstream bridge becomes a loss entry of the same size; a record too
     * long for a frame becomes a loss entry of one (and is counted as refused).
     */
    private void passOnLoss(int typeId, long address, long length) {
        long lost = 1;
        if (typeId == RingBridge.LOSS_TYPE_ID) {
            if (length >= RingBridge.LOSS_NOTICE_BYTES) {
                lost = Math.max(1, ADDRESSES.get(RingBridge.LE_LONG, address));
            }
        } else {
            state.add(BridgeState.REFUSED_OFFSET, 1);
        }
        gap(lost);
    }

    /** Stages a loss entry: {@code lost} sequence numbers that the receiver announces as lost. */
    private void gap(long lost) {
        int at = stagedBytes;
        staging.putInt(at, RingBridge.LOSS_TYPE_ID);
        staging.putInt(at + 4, 8);
        staging.putLong(at + BridgeFrame.RECORD_HEADER_LENGTH, lost);
        stagedBytes = at + BridgeFrame.RECORD_HEADER_LENGTH + 8;
        stagedCount++;
        stagedSequences += lost;
        state.add(BridgeState.LOST_OFFSET, lost);
        state.commitProgress(nextSequence + stagedSequences - 1, positionBefore, stagedSequences);
    }

    private int publishStaged() {
        BridgeFrame.writeHeader(staging, stagedCount, stagedBytes - BridgeFrame.HEADER_LENGTH, epoch, nextSequence);
        long result = publication.offer(staging, 0, stagedBytes);
        if (result > 0) {
            state.add(BridgeState.RECORDS_OFFSET, stagedRecords);
            state.add(BridgeState.BYTES_OFFSET, stagedPayloadBytes());
            nextSequence += stagedSequences;
            state.commitProgress(nextSequence - 1, positionBefore, 0);
            int published = stagedCount;
            clearStaged();
            pressured = false;
            return published;
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
        if (stopRequested()) {
            giveUp();
        }
        return 0;
    }

    @Override
    public void onLoss(long lostRecords) {
        // A broadcast receiver was lapped, or a consumer skipped a record its producer held too
        // long: the receiver sees the same number as a gap.
        gap(lostRecords);
    }

    /** The staged batch is not sent: its sequences are used up, so the receiver sees a gap. */
    private void giveUp() {
        state.add(BridgeState.LOST_OFFSET, stagedRecords);
        nextSequence += stagedSequences;
        state.commitProgress(nextSequence - 1, positionBefore, 0);
        clearStaged();
    }

    private void clearStaged() {
        stagedCount = 0;
        stagedRecords = 0;
        stagedSequences = 0;
        stagedBytes = BridgeFrame.HEADER_LENGTH;
    }

    /** Payload bytes of the staged records (walks the batch: once per frame, not per record). */
    private long stagedPayloadBytes() {
        long bytes = 0;
        int at = BridgeFrame.HEADER_LENGTH;
        for (int i = 0; i < stagedCount; i++) {
            int length = staging.getInt(at + 4);
            if (staging.getInt(at) != RingBridge.LOSS_TYPE_ID) {
                bytes += length;
            }
            at += (int) BridgeFrame.recordLength(length);
        }
        return bytes;
    }

    /**
     * Stopping, one step per round so that the thread's other ends go on: publish the staged
     * batch (one try; a batch the publication does not take is given up, a gap to the receiver),
     * then wait, bounded, until the receiver's acknowledgements stop moving the publication's
     * limit, since frames in the publication reach the receiver only while the driver sends them.
     */
    @Override
    boolean linger() {
        long now = System.nanoTime();
        if (lingerPhase == 0) {
            lingerDeadline = now + LINGER_NANOS;
            if (stagedCount > 0 && publication.isConnected()) {
                publishStaged();
            }
            if (stagedCount > 0) {
                giveUp();
            }
            lingerLimit = publication.positionLimit();
            quietSince = now;
            lingerPhase = 1;
            return false;
        }
        if (publication.isConnected() && now - lingerDeadline < 0 && now - quietSince < QUIET_NANOS) {
            long limit = publication.positionLimit();
            if (limit != lingerLimit) {
                lingerLimit = limit;
                quietSince = now;
            }
            return false;
        }
        return true;
    }

    private void pressure() {
        if (!pressured) {
            pressured = true;
            state.add(BridgeState.BACK_PRESSURE_OFFSET, 1);
        }
    }
}
