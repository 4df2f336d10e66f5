package org.shm4j.ring;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;

/**
 * A ring of variable-length records from producers to one consumer, in shared memory: an
 * {@link SpscRing} (one producer) or an {@link MpscRing} (many). Both share the record format and
 * the consumer; see the package documentation for the layout and the memory-ordering protocol.
 *
 * <p>A ring handle is thread-safe; the producers and consumers made from it are each used by one
 * thread at a time. Closing the ring revokes them (later calls throw {@link IllegalStateException})
 * and unmaps the ring if the handle mapped it, once its peers are closed too: until then a peer
 * holds an address range with the shared memory detached (see the package documentation).
 */
public sealed interface MessageRing extends Ring permits RegionRing {

    /**
     * Opens an existing SPSC or MPSC ring by name, whichever it is.
     *
     * @throws java.nio.file.NoSuchFileException if there is no segment of that name
     * @throws RingNotInitializedException if its creator died before publishing the header, or did
     *     not publish it within the open timeout
     * @throws org.shm4j.WrongObjectKindException if the name holds another kind of object (another
     *     ring type, a lock, a plain segment), at once
     * @throws RingFormatException if its header is not a valid ring
     */
    static MessageRing open(String name, RingOption... options) throws IOException {
        RingRegion region = RingRegion.open(name, EnumSet.of(RingType.SPSC, RingType.MPSC), options);
        return region.type == RingType.SPSC ? new SpscRing(region) : new MpscRing(region);
    }

    /** The largest payload a record may carry: half the capacity less the record header, at most 2^30 - 16. */
    int maxPayloadBytes();

    /**
     * Becomes a producer, with a {@link WaitStrategy#spinThenYield() spin-then-yield} wait for the
     * waiting variants.
     *
     * @throws RingBusyException if the role (SPSC) or every slot (MPSC) is held by live processes
     */
    default RingProducer producer() throws RingBusyException {
        return producer(WaitStrategy.spinThenYield());
    }

    /** Becomes a producer that waits for space with {@code wait}. @throws RingBusyException as {@link #producer()} */
    RingProducer producer(WaitStrategy wait) throws RingBusyException;

    /**
     * Becomes the consumer with a spin-then-yield wait and a 5 second skip timeout.
     *
     * @throws RingBusyException if a live process is the consumer
     */
    default RingConsumer consumer() throws RingBusyException {
        return consumer(WaitStrategy.spinThenYield(), Duration.ofSeconds(5));
    }

    /**
     * Becomes the consumer.
     *
     * @param wait how {@code poll} with a timeout waits
     * @param skipTimeout how long a claimed or reserved record may block the head before it is skipped
     * @throws RingBusyException if a live process is the consumer
     */
    RingConsumer consumer(WaitStrategy wait, Duration skipTimeout) throws RingBusyException;

    /**
     * Revokes this handle's producers and consumers and unmaps the ring if this handle mapped it
     * (when a peer is still open: detaches the shared memory now, unmaps when the peer is closed).
     * Idempotent.
     */
    @Override
    void close();
}
