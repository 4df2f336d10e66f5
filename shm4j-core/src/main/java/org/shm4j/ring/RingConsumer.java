package org.shm4j.ring;

import static org.shm4j.ring.RingLayout.*;
import static org.shm4j.ring.RingRegion.LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;
import org.shm4j.internal.Messages;
import org.shm4j.internal.block.Absolute;
import org.shm4j.internal.block.FutexWait;

/**
 * Reads records from an {@link SpscRing} or {@link MpscRing}: the ring's one consumer. Used by one
 * thread at a time.
 *
 * <p>{@link #poll(RecordHandler, int)} hands each committed record to the handler as a slice of
 * the ring (zero copy), then advances the ring's head once for the batch, which frees the space
 * for producers. A record is consumed as it is handed over: if the handler throws, the records
 * before it and that record are consumed, and the exception propagates. If this process dies in
 * the middle of a batch, the next consumer starts at the last head stored, so the records of that
 * batch are delivered again (at least once).
 *
 * <p><b>Dead producers.</b> A record that stays claimed, or space a producer reserved but never
 * wrote, blocks the head. After the skip timeout the consumer steps over it, counts it in
 * {@link #skippedRecords()} and tells the handler through {@link RecordHandler#onLoss(long)}. It
 * never delivers a record that was not committed, and never waits forever on one. A live producer
 * that holds a claim longer than the skip timeout loses that record, and worse: once the space is
 * skipped, other records may be written there, and the late producer's writes into its claimed
 * segment (and its commit) land on them. Choose the timeout well above the longest time a claim is
 * held (the default is 5 seconds).
 */
public final class RingConsumer implements AutoCloseable, RingRole.Member {
    /**
     * Empty polls between two checks for a blocked head (a power of two). The check loads the
     * producers' tail, whose cache line the producer writes per message: loading it often would
     * make every write miss, so a spinning consumer looks at it only once in a while (every few
     * microseconds to a few tens), which is still far below any skip timeout.
     */
    private static final int STUCK_CHECK_INTERVAL = 1024;

    private final RingRegion ring;
    private final RingRole role;
    private final MemorySegment header;
    private final MemorySegment data;
    /** As in {@link RingProducer}: absolute addresses when the ring owns its mapping. */
    private final boolean direct;
    private final long headerBase;
    private final long dataBase;
    private final long capacity;
    private final long mask;
    private final int maxPayload;
    private final long identity;
    private final WaitStrategy wait;
    private final long skipTimeoutNanos;
    private final FutexWait.Condition readable = this::readable;
    private final RingRegion.Sleep sleepForData = this::sleepForData;

    private long head;
    private long messagesRead;
    private long payloadBytesRead;
    private long skippedRecords;
    private long skippedBytes;
    /** The handler of the timed poll in progress: told of skips found while sleeping. */
    private RecordHandler waitingHandler;
    private int emptyPolls;
    private boolean stuck;
    private long stuckPosition;
    private long stuckSince;
    private long stuckTail;
    private boolean closed;
    /** Whether close() ran: the hold on the mapping is dropped once. */
    private boolean left;

    private RingConsumer(RingRegion ring, RingRole role, WaitStrategy wait, Duration skipTimeout, long identity) {
        this.ring = ring;
        this.role = role;
        this.header = ring.header;
        this.data = ring.data;
        this.direct = ring.dataAddress != 0;
        this.headerBase = ring.headerAddress;
        this.dataBase = ring.dataAddress;
        this.capacity = ring.capacity;
        this.mask = ring.mask;
        this.maxPayload = ring.maxPayload;
        this.wait = wait;
        this.skipTimeoutNanos = FutexWait.timeoutNanos(skipTimeout);
        this.identity = identity;
        // Pairs with the previous consumer's release store of head.
        long h = (long) LONG.getAcquire(header, HEAD_OFFSET);
        long t = (long) LONG.getAcquire(header, TAIL_OFFSET);
        long used = t - h;
        if (used < 0 || used > capacity || (h & (RECORD_ALIGNMENT - 1)) != 0) {
            throw role.corrupted("head and tail inconsistent", "head", h, "tail", t, "capacity", capacity);
        }
        this.head = h;
        this.messagesRead = (long) LONG.getOpaque(header, MESSAGES_READ_OFFSET);
        this.payloadBytesRead = (long) LONG.getOpaque(header, PAYLOAD_BYTES_READ_OFFSET);
        this.skippedRecords = (long) LONG.getOpaque(header, SKIPPED_RECORDS_OFFSET);
        this.skippedBytes = (long) LONG.getOpaque(header, SKIPPED_BYTES_OFFSET);
    }

    static RingConsumer open(RingRegion ring, WaitStrategy wait, Duration skipTimeout) throws RingBusyException {
        Objects.requireNonNull(wait, "wait");
        FutexWait.timeoutNanos(skipTimeout);
        return RingRole.take(ring, CONSUMER_IDENTITY_OFFSET, "consumer")
                .join(r -> new RingConsumer(ring, r, wait, skipTimeout, r.identity));
    }

    /** As {@link #poll(RecordHandler, int)} with no limit on the batch. */
    public int poll(RecordHandler handler) {
        return poll(handler, Integer.MAX_VALUE);
    }

    /**
     * Delivers up to {@code limit} committed records in order, without waiting.
     *
     * @return how many records the handler received
     * @throws IllegalArgumentException if {@code limit} is not positive
     * @throws RingCorruptedException if a record header read from the ring is invalid
     * @throws IllegalStateException if the consumer or its ring is closed
     */
    public int poll(RecordHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit <= 0 || closed) {
            throw badPoll(limit);
        }
        // The common empty case stays in this small method, which inlines into the caller's loop;
        // the batch is a separate method, so its handler call is hot there and inlines, and the
        // payload slices it hands over are not allocated (escape analysis).
        long h = head;
        // Pairs with the producer's release store of word0 (commit, claim, padding, abort).
        long word0 = word0(h & mask);
        long state = word0 & STATE_MASK;
        if ((word0 & ~STATE_MASK) != h || state == 0 || state == CLAIMED) {
            // Not written yet (an older lap's header, or zero), or still claimed.
            if ((++emptyPolls & (STUCK_CHECK_INTERVAL - 1)) == 0) {
                untilSkip(handler);
            }
            return 0;
        }
        return deliver(handler, limit, h, word0);
    }

    private RuntimeException badPoll(int limit) {
        if (limit <= 0) {
            return new IllegalArgumentException(Messages.format("limit must be positive", "limit", limit));
        }
        return role.closed();
    }

    /**
     * Delivers the batch that starts at {@code start}, whose word0 the caller loaded (once) and
     * found published; every later word0 is loaded once here. Advances the head once at the end.
     */
    private int deliver(RecordHandler handler, int limit, final long start, long firstWord0) {
        long h = start;
        long word0 = firstWord0;
        int count = 0;
        long bytes = 0;
        try {
            while (true) {
                long off = h & mask;
                int state = (int) (word0 & STATE_MASK);
                if ((word0 & ~STATE_MASK) != h || state == 0 || state == CLAIMED) {
                    break; // not written yet (an older lap's header, or zero), or still claimed
                }
                if (state == PADDING) {
                    if (off == 0) {
                        throw corrupted("padding record at the start of the data region", h, word0, 0);
                    }
                    h += capacity - off;
                } else {
                    if (off + RECORD_HEADER_LENGTH > capacity) {
                        throw corrupted("record header crosses the end of the data region", h, word0, 0);
                    }
                    long word1;
                    if (direct) {
                        word1 = (long) Absolute.LONG.getAcquire(Absolute.MEMORY, dataBase + off + 8);
                        if (!ring.isOpen()) {
                            // Closing the ring sets its flag before it detaches the memory
                            // (RingRegion.close), and the acquire load above keeps this read after
                            // word1's: a word1 read while the flag still read open came from the ring
                            // itself. Without this, a header re-read alone is not enough: an MPSC
                            // producer still inside a call writes its next record into the private
                            // pages too, from a tail of 0, so at position 0 the consumer can find the
                            // same word0 again beside a word1 not yet written (RingCloseUnderLoadTest).
                            throw role.closed();
                        }
                        if (word0(off) != word0) {
                            // The protocol never rewrites a published header below the head: a
                            // hostile writer.
                            throw corrupted("record header changed while read", h, word0, word1);
                        }
                    } else {
                        word1 = data.get(ValueLayout.JAVA_LONG, off + 8);
                    }
                    long next = h + checkedRecordLength(h, off, word0, word1);
                    if (state == COMMITTED) {
                        int length = (int) word1;
                        h = next;
                        count++;
                        bytes += length;
                        handler.onRecord((int) (word1 >>> 32), data.asSlice(off + RECORD_HEADER_LENGTH, length));
                        if (count >= limit) {
                            break;
                        }
                    } else if (state == ABORTED) {
                        h = next;
                    } else {
                        throw corrupted("unknown record state", h, word0, word1);
                    }
                }
                // Pairs with the producer's release store of word0 (commit, claim, padding, abort).
                word0 = word0(h & mask);
            }
        } finally {
            if (h != start) {
                advance(h, count, bytes);
            }
        }
        return count;
    }

    /**
     * Delivers up to {@code limit} records, waiting up to {@code timeout} with the consumer's
     * {@link WaitStrategy} until there is at least one.
     *
     * @return how many records the handler received; 0 if none came within the timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public int poll(RecordHandler handler, int limit, Duration timeout) throws InterruptedException {
        long timeoutNanos = FutexWait.timeoutNanos(timeout);
        int n = poll(handler, limit);
        if (n > 0 || timeoutNanos == 0) {
            return n;
        }
        long begin = System.nanoTime();
        waitingHandler = handler;
        try {
            for (int idle = 0; RingRegion.pause(wait, idle, begin, timeoutNanos, sleepForData); idle++) {
                n = poll(handler, limit);
                if (n > 0) {
                    return n;
                }
            }
            return 0;
        } finally {
            waitingHandler = null;
        }
    }

    /** Sleeps until a record comes, but not past the time when a blocked head is to be skipped. */
    private void sleepForData(long maxNanos) {
        long untilSkip = untilSkip(waitingHandler);
        if (untilSkip > 0) {
            FutexWait.sleepRegistered(header, DATA_SIGNAL_OFFSET, DATA_WAITERS_OFFSET, ring.dataSignal, readable,
                    Math.min(maxNanos, untilSkip));
        }
    }

    /** Length of the record at {@code h}, after checking its header fields (already in locals). */
    private long checkedRecordLength(long h, long off, long word0, long word1) {
        int length = (int) word1;
        int typeId = (int) (word1 >>> 32);
        if (length < 0 || length > maxPayload) {
            throw corrupted("record length out of range", h, word0, word1);
        }
        if (typeId < 0) {
            throw corrupted("negative type id", h, word0, word1);
        }
        long recordLength = recordLength(length);
        if (off + recordLength > capacity) {
            throw corrupted("record crosses the end of the data region", h, word0, word1);
        }
        return recordLength;
    }

    private void advance(long h, int count, long bytes) {
        head = h;
        messagesRead += count;
        payloadBytesRead += bytes;
        emptyPolls = 0;
        stuck = false;
        if (direct) {
            Absolute.LONG.setOpaque(Absolute.MEMORY, headerBase + MESSAGES_READ_OFFSET, messagesRead);
            Absolute.LONG.setOpaque(Absolute.MEMORY, headerBase + PAYLOAD_BYTES_READ_OFFSET, payloadBytesRead);
            // Frees the space below h: pairs with the producers' acquire loads of head. Release
            // orders this consumer's reads of those records before the store.
            Absolute.LONG.setRelease(Absolute.MEMORY, headerBase + HEAD_OFFSET, h);
            if ((int) Absolute.INT.getOpaque(Absolute.MEMORY, headerBase + SPACE_WAITERS_OFFSET) == 0) {
                return;
            }
        } else {
            LONG.setOpaque(header, MESSAGES_READ_OFFSET, messagesRead);
            LONG.setOpaque(header, PAYLOAD_BYTES_READ_OFFSET, payloadBytesRead);
            // As above.
            LONG.setRelease(header, HEAD_OFFSET, h);
        }
        FutexWait.wakeIfWaiting(header, SPACE_SIGNAL_OFFSET, SPACE_WAITERS_OFFSET, ring.spaceSignal);
    }

    /**
     * Acquire load of the word0 at {@code off}, an offset masked into the data region (8-byte
     * aligned, as head always is: checked when the consumer starts, and every record length is a
     * multiple of 8).
     */
    private long word0(long off) {
        return direct ? (long) Absolute.LONG.getAcquire(Absolute.MEMORY, dataBase + off)
                : (long) LONG.getAcquire(data, off);
    }

    private boolean readable() {
        long word0 = (long) LONG.getAcquire(data, head & mask);
        long state = word0 & STATE_MASK;
        return (word0 & ~STATE_MASK) == head && state != 0 && state != CLAIMED;
    }

    /**
     * Checks whether the head is blocked by a claimed record or by reserved space without a
     * header, and skips it once it has been blocked for the skip timeout. Returns the nanoseconds
     * left before a skip, 0 if it just skipped, {@code Long.MAX_VALUE} if the head is not blocked.
     */
    private long untilSkip(RecordHandler handler) {
        long h = head;
        long off = h & mask;
        long word0 = (long) LONG.getAcquire(data, off);
        boolean headerPresent = (word0 & ~STATE_MASK) == h && (word0 & STATE_MASK) != 0;
        boolean claimed = headerPresent && (word0 & STATE_MASK) == CLAIMED;
        if (headerPresent && !claimed) {
            stuck = false;
            return Long.MAX_VALUE;
        }
        long t = 0;
        if (!claimed) {
            // Pairs with the producers' release store (SPSC) or CAS (MPSC) of tail.
            t = (long) LONG.getAcquire(header, TAIL_OFFSET);
            long ahead = t - h;
            // The tail may become the head (a gap is skipped up to it): whole records only.
            if (ahead < 0 || ahead > capacity || (t & (RECORD_ALIGNMENT - 1)) != 0) {
                throw role.corrupted("tail inconsistent with head", "head", h, "tail", t, "capacity", capacity);
            }
            if (ahead == 0) {
                stuck = false;
                return Long.MAX_VALUE;
            }
        }
        long now = System.nanoTime();
        if (!stuck || stuckPosition != h) {
            stuck = true;
            stuckPosition = h;
            stuckSince = now;
            stuckTail = t;
            return skipTimeoutNanos;
        }
        long waited = now - stuckSince;
        if (waited < skipTimeoutNanos) {
            return skipTimeoutNanos - waited;
        }
        long next;
        if (claimed) {
            if (off + RECORD_HEADER_LENGTH > capacity) {
                throw corrupted("record header crosses the end of the data region", h, word0, 0);
            }
            next = h + checkedRecordLength(h, off, word0, data.get(ValueLayout.JAVA_LONG, off + 8));
        } else {
            next = nextHeader(h, t);
            if (next == h) {
                if (t != stuckTail) {
                    // Producers are still reserving behind the gap: wait until the tail is quiet.
                    stuckTail = t;
                    stuckSince = now;
                    return skipTimeoutNanos;
                }
                next = t;
            }
        }
        skippedRecords++;
        skippedBytes += next - h;
        LONG.setOpaque(header, SKIPPED_RECORDS_OFFSET, skippedRecords);
        LONG.setOpaque(header, SKIPPED_BYTES_OFFSET, skippedBytes);
        advance(next, 0, 0);
        handler.onLoss(1);
        return 0;
    }

    /**
     * The first position after {@code h} and before {@code t} that holds a record header of this
     * lap (word0 equal to its own position plus a state), or {@code h} if there is none. Only
     * reads inside the data region: every offset is masked.
     */
    private long nextHeader(long h, long t) {
        for (long q = h + RECORD_ALIGNMENT; q - t < 0; q += RECORD_ALIGNMENT) {
            long word0 = (long) LONG.getAcquire(data, q & mask);
            long state = word0 & STATE_MASK;
            if ((word0 & ~STATE_MASK) == q && state >= CLAIMED && state <= ABORTED) {
                return q;
            }
        }
        return h;
    }

    private RuntimeException corrupted(String what, long h, long word0, long word1) {
        return role.corrupted(what, "position", h, "word0", "0x" + Long.toHexString(word0), "length", (int) word1,
                "typeId", (int) (word1 >>> 32), "maxPayload", maxPayload);
    }

    /** The position of the next record to read. */
    public long position() {
        return head;
    }

    /** Records delivered by this ring's consumers (this one and those before it). */
    public long messagesRead() {
        return messagesRead;
    }

    /** Claimed or reserved records stepped over because their producer held them past the skip timeout. */
    public long skippedRecords() {
        return skippedRecords;
    }

    /**
     * Gives up the consumer role and this consumer's hold on the ring's mapping; the next consumer
     * starts at this consumer's position. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (left) {
            return;
        }
        closed = true;
        left = true;
        role.leave(this);
    }

    /** Called by the ring handle's close: refuses later calls, gives the role back, keeps the hold. */
    @Override
    public synchronized void revoke() {
        if (!closed) {
            closed = true;
            role.release();
        }
    }
}
