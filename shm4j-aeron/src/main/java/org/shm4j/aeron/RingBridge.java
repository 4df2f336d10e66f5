package org.shm4j.aeron;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.exceptions.AeronException;
import io.aeron.exceptions.ClientTimeoutException;
import io.aeron.exceptions.ConductorServiceTimeoutException;
import io.aeron.exceptions.DriverTimeoutException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingStats;
import org.shm4j.ring.RingType;
import org.shm4j.ring.SpscRing;

/**
 * One end of a bridge that carries a ring's records to a ring on another host over Aeron.
 *
 * <p>The sending end ({@link #send}) becomes the consumer of a local SPSC or MPSC ring (or a
 * receiver of a broadcast ring) and publishes its records, type id and payload unchanged, in
 * batches behind a 32-byte bridge header, on an Aeron publication. The receiving end
 * ({@link #receive}) subscribes and writes each record into a local ring, where ordinary
 * consumers read it.
 * Delivery rules (docs/bridge.md): while both ends run, every record arrives once, in order,
 * intact; a full remote ring holds the sender back until the local ring is full and local
 * producers see {@code offer} return {@code false}; when an end dies or restarts, the receiving
 * side writes a <em>loss notice</em> (type id {@link #LOSS_TYPE_ID}) saying how many records may
 * have been lost, never a torn or repeated record; frames that are not from a bridge of this
 * protocol version or whose lengths do not fit are refused and counted.
 *
 * {@snippet :
 * // host A: the program's producer writes into "orders"; the bridge carries it away
 * try (RingBridge bridge = RingBridge.send("orders", "aeron:udp?endpoint=hostb:40123", 1001)) { ... }
 * // host B: the bridge writes into "orders" there; the program's consumer reads it
 * try (RingBridge bridge = RingBridge.receive("orders", "aeron:udp?endpoint=hostb:40123", 1001,
 *         BridgeOption.createRing(RingType.SPSC, 1 << 20))) { ... }
 * }
 *
 * <p>An end started here runs one thread, which by default also runs the duty cycle of an
 * embedded media driver (Aeron's {@code INVOKER} mode) with a directory of its own under
 * {@code /dev/shm}, removed on close; {@link BridgeOption#externalDriver} uses a running driver
 * instead. Several ends of one process can share one thread and one driver: {@link BridgeGroup}. Each end keeps a state segment {@code <ring>.bridge.<send|receive>.<stream>} in
 * {@code /dev/shm} with its process, channel, counters and progress (see {@link BridgeStats});
 * it is kept after close so that a restart continues the numbering.
 */
public final class RingBridge implements AutoCloseable {

    /**
     * The type id of a loss notice, which the receiving end writes into its ring before the next
     * record when records may have been lost. Its payload is three little-endian longs: how many
     * records may have been lost, the stream epoch, and the first missing sequence number. Local
     * producers must not use this type id; a sending end passes a loss notice it reads on as a
     * loss of the same size, so notices travel on across several bridges. {@link #lossAware} turns
     * notices into {@link RecordHandler#onLoss} calls.
     */
    public static final int LOSS_TYPE_ID = Integer.MAX_VALUE;

    /** Bytes of a loss notice's payload. */
    public static final int LOSS_NOTICE_BYTES = 24;

    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final BridgeGroup group;
    private final boolean ownsGroup;
    private final String description;
    private final BridgeState state;
    private final AutoCloseable ring;
    private final AutoCloseable endpoint;
    private final BridgeEngine engine;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RingBridge(BridgeGroup group, boolean ownsGroup, String description, BridgeState state,
            AutoCloseable ring, AutoCloseable endpoint, BridgeEngine engine) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.description = description;
        this.state = state;
        this.ring = ring;
        this.endpoint = endpoint;
        this.engine = engine;
    }

    /**
     * Starts the sending end: consumes the named ring and publishes its records on
     * {@code channel}/{@code streamId}.
     *
     * @param ringName a named SPSC, MPSC or broadcast ring (created if {@link BridgeOption#createRing} is given)
     * @param channel an Aeron publication channel, e.g. {@code aeron:udp?endpoint=10.0.0.2:40123}
     * @throws java.nio.file.NoSuchFileException if the ring does not exist and no createRing option is given
     * @throws org.shm4j.ring.RingBusyException if a live process is the ring's consumer (SPSC, MPSC)
     * @throws BridgeBusyException if a live process already runs this sending end
     * @throws IllegalArgumentException if the channel is not an Aeron URI or the stream id is invalid
     * @throws IOException if the ring, the state segment or the media driver cannot be opened
     */
    public static RingBridge send(String ringName, String channel, int streamId, BridgeOption... options)
            throws IOException {
        return start(BridgeState.ROLE_SEND, ringName, channel, streamId, options);
    }

    /**
     * Starts the receiving end: subscribes to {@code channel}/{@code streamId} and writes each
     * record into the named ring.
     *
     * @param ringName a named SPSC, MPSC or broadcast ring (created if {@link BridgeOption#createRing} is given)
     * @param channel an Aeron subscription channel, e.g. {@code aeron:udp?endpoint=10.0.0.2:40123}
     * @throws java.nio.file.NoSuchFileException if the ring does not exist and no createRing option is given
     * @throws org.shm4j.ring.RingBusyException if a live process is the ring's producer (SPSC) or all its producer slots are held (MPSC)
     * @throws BridgeBusyException if a live process already runs this receiving end
     * @throws IllegalArgumentException if the channel is not an Aeron URI or the stream id is invalid
     * @throws IOException if the ring, the state segment or the media driver cannot be opened
     */
    public static RingBridge receive(String ringName, String channel, int streamId, BridgeOption... options)
            throws IOException {
        return start(BridgeState.ROLE_RECEIVE, ringName, channel, streamId, options);
    }

    /**
     * Wraps a handler so that loss notices written by a receiving bridge reach
     * {@link RecordHandler#onLoss} instead of {@link RecordHandler#onRecord}.
     */
    public static RecordHandler lossAware(RecordHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new RecordHandler() {
            @Override
            public void onRecord(int typeId, MemorySegment payload) {
                if (typeId == LOSS_TYPE_ID && payload.byteSize() >= LOSS_NOTICE_BYTES) {
                    handler.onLoss(payload.get(LE_LONG, 0));
                } else {
                    handler.onRecord(typeId, payload);
                }
            }

            @Override
            public void onLoss(long lostRecords) {
                handler.onLoss(lostRecords);
            }
        };
    }

    private static RingBridge start(int role, String ringName, String channel, int streamId, BridgeOption... options)
            throws IOException {
        Objects.requireNonNull(ringName, "ringName");
        Objects.requireNonNull(channel, "channel");
        checkChannel(channel);
        BridgeOption.CreateRing create = null;
        for (BridgeOption o : options) {
            if (Objects.requireNonNull(o, "option") instanceof BridgeOption.CreateRing c) {
                create = c;
            }
        }
        String description = Msg.format(role == BridgeState.ROLE_SEND ? "send" : "receive", "ring", ringName,
                "channel", channel, "stream", streamId);
        BridgeGroup group = BridgeGroup.start("shm4j-bridge " + description, options);
        try {
            return group.open(role, ringName, channel, streamId, create, true);
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
    }

    private static void checkChannel(String channel) {
        if (!channel.startsWith("aeron:")) {
            throw new IllegalArgumentException(Msg.format("not an Aeron channel URI", "channel", channel));
        }
    }

    /** Opens the ring and the state segment and adds an end to the group's thread. */
    static RingBridge open(BridgeGroup group, int role, String ringName, String channel, int streamId,
            BridgeOption.CreateRing create, boolean ownsGroup) throws IOException {
        Objects.requireNonNull(ringName, "ringName");
        Objects.requireNonNull(channel, "channel");
        checkChannel(channel);
        String description = Msg.format(role == BridgeState.ROLE_SEND ? "send" : "receive", "ring", ringName,
                "channel", channel, "stream", streamId);
        AutoCloseable ring = null;
        BridgeState state = null;
        AutoCloseable endpoint = null;
        try {
            RingType type;
            if (create != null) {
                type = create.type();
                ring = switch (type) {
                    case SPSC -> SpscRing.openOrCreate(ringName, create.capacityBytes());
                    case MPSC -> MpscRing.openOrCreate(ringName, create.capacityBytes());
                    case BROADCAST -> BroadcastRing.openOrCreate(ringName, create.capacityBytes());
                };
            } else {
                type = RingStats.read(ringName).type();
                ring = type == RingType.BROADCAST ? BroadcastRing.open(ringName) : MessageRing.open(ringName);
            }
            long identity = RingStats.read(ringName).creator().map(c -> (c.pid() << 42) ^ c.startTicks()).orElse(0L);
            state = BridgeState.acquire(ringName, role, streamId, type.ordinal(), channel);
            Aeron aeron = group.aeron();
            BridgeEngine engine;
            if (role == BridgeState.ROLE_SEND) {
                Publication publication = aeron.addExclusivePublication(channel, streamId);
                endpoint = publication;
                engine = ring instanceof BroadcastRing b
                        ? SendEngine.ofBroadcast(b.receiver(), b.maxPayloadBytes(), identity, publication, state)
                        : SendEngine.ofRing(((MessageRing) ring).consumer(), ((MessageRing) ring).maxPayloadBytes(),
                                identity, publication, state);
            } else {
                Subscription subscription = aeron.addSubscription(channel, streamId);
                endpoint = subscription;
                engine = ring instanceof BroadcastRing b
                        ? ReceiveEngine.ofBroadcast(b.transmitter(), b.maxPayloadBytes(), subscription, state)
                        : ReceiveEngine.ofRing(((MessageRing) ring).producer(), ((MessageRing) ring).maxPayloadBytes(),
                                subscription, state);
            }
            RingBridge bridge = new RingBridge(group, ownsGroup, description, state, ring, endpoint, engine);
            group.runner().add(engine);
            return bridge;
        } catch (IOException | RuntimeException e) {
            BridgeGroup.closeQuietly(endpoint);
            BridgeGroup.closeQuietly(state);
            BridgeGroup.closeQuietly(ring);
            throw e;
        }
    }

    /**
     * A snapshot of this end's counters, as {@code shm4j bridge status} shows them. After
     * {@link #close()} read them with {@link BridgeStats#read}.
     *
     * @throws IllegalStateException if this bridge is closed
     */
    public BridgeStats stats() {
        return BridgeStats.decode(state.name, state.segment).orElseThrow();
    }

    /** Whether the end has an Aeron peer now: a connected publication, or a subscription with an image. */
    public boolean isConnected() {
        return state.get(BridgeState.CONNECTED_OFFSET) != 0;
    }

    /**
     * The error that stopped the bridge: a corrupted ring, a driver that went away or timed the
     * client out, a fatal Aeron error, the thread it runs on stopped. Empty while the bridge runs.
     */
    public Optional<Throwable> failure() {
        Throwable t = engine.failure();
        return t != null ? Optional.of(t) : group.failure();
    }

    /**
     * The media driver's system counters by label ({@code NAKs sent}, {@code Retransmits sent},
     * {@code Errors}...), as {@code AeronStat} shows them. With an external driver, or in a
     * {@link BridgeGroup}, they count for every client of that driver. Empty once closed.
     */
    public Map<String, Long> aeronCounters() {
        return closed.get() ? new LinkedHashMap<>() : group.aeronCounters();
    }

    /**
     * The last error Aeron reported that did not stop the bridge (a channel endpoint error while
     * a peer is unreachable, for example); the bridge keeps trying. Empty if there was none.
     */
    public Optional<Throwable> lastAeronError() {
        return group.lastAeronError();
    }

    /** Whether an error Aeron reports ends the bridge: the driver or the client is gone for good. */
    static boolean fatal(Throwable t) {
        if (t instanceof DriverTimeoutException || t instanceof ConductorServiceTimeoutException
                || t instanceof ClientTimeoutException) {
            return true;
        }
        if (t instanceof AeronException a) {
            return a.category() == AeronException.Category.FATAL;
        }
        return !(t instanceof Exception); // an Error (out of memory, a linkage error) is fatal
    }

    /** The Aeron directory of the media driver in use. */
    public String aeronDirectory() {
        return group.aeronDirectory();
    }

    /**
     * Stops this end (after the record in hand, if any: one the peer never took is counted lost
     * and shows as a gap to the receiver; a sending end then waits, up to 3 s, until the receiver
     * has acknowledged what was published), closes its publication or subscription and the ring,
     * and gives up the state segment, which stays for the next run. An end started with
     * {@link #send}/{@link #receive} also stops its thread and closes its Aeron client and
     * embedded driver (removing its directory); an end of a {@link BridgeGroup} leaves the group
     * running. Idempotent.
     *
     * @throws IllegalStateException if called from the bridge's own thread
     */
    @Override
    public void close() {
        if (group.runner().isCurrentThread()) {
            throw new IllegalStateException(Msg.format("a bridge cannot close itself from its own thread",
                    "bridge", description));
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        engine.requestStop();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!engine.finished() && group.runner().isAlive() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        group.runner().remove(engine);
        group.detach(this);
        BridgeGroup.closeQuietly(endpoint);
        BridgeGroup.closeQuietly(ring);
        BridgeGroup.closeQuietly(state);
        if (ownsGroup) {
            group.close();
        }
    }

    @Override
    public String toString() {
        return "RingBridge[" + description + "]";
    }
}
