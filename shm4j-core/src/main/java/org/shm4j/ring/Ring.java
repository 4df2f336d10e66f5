package org.shm4j.ring;

/**
 * What every ring is, whatever its topology: a {@link MessageRing} (SPSC or MPSC: every record
 * reaches one consumer) or a {@link BroadcastRing} (every record reaches every receiver that keeps
 * up). Tests and tools that only look at a ring's shape and counters take a {@code Ring}; the roles
 * (producer and consumer, transmitter and receiver) stay on the subtypes, where their contracts
 * differ.
 *
 * {@snippet :
 * String describe(Ring ring) {
 *     return switch (ring) {
 *         case MessageRing m -> m.type() + " ring, " + m.stats().lagBytes() + " bytes unread";
 *         case BroadcastRing b -> "broadcast ring, " + b.stats().messagesWritten() + " sent";
 *     };
 * }
 * }
 */
public sealed interface Ring extends AutoCloseable permits MessageRing, BroadcastRing {
    /** The ring's topology, as stored in its header. */
    RingType type();

    /**
     * Whether the call that returned this handle created the ring: true after {@code create}, and
     * after {@code openOrCreate} when the name was free; false when it opened an existing ring.
     */
    boolean created();

    /** Bytes of the data region, a power of two. */
    long capacityBytes();

    /** The largest payload a record may carry. */
    int maxPayloadBytes();

    /** A snapshot of the ring's counters; does not disturb any role. */
    RingStats stats();

    /** Closes the roles taken through this handle and unmaps the ring if this handle mapped it. Idempotent. */
    @Override
    void close();
}
