package org.shm4j.aeron;

import io.aeron.Aeron;
import io.aeron.AeronCounters;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.AeronException;
import io.aeron.exceptions.ClientTimeoutException;
import io.aeron.exceptions.ConductorServiceTimeoutException;
import io.aeron.exceptions.DriverTimeoutException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersReader;
import org.shm4j.SegmentName;
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
 * <p>Each end runs one thread. By default it starts an embedded media driver with a directory of
 * its own under {@code /dev/shm}, removed on close; {@link BridgeOption#externalDriver} uses a
 * running one. Each end keeps a state segment {@code <ring>.bridge.<send|receive>.<stream>} in
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
    private static final String EMBEDDED_PREFIX = "shm4j-aeron-";

    private final String description;
    private final BridgeState state;
    private final AutoCloseable ring;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final String aeronDirectory;
    private final BridgeEngine engine;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Throwable> failure;
    private final AtomicReference<Throwable> lastError;

    private RingBridge(String description, BridgeState state, AutoCloseable ring, MediaDriver driver, Aeron aeron,
            String aeronDirectory, BridgeEngine engine, AtomicReference<Throwable> failure,
            AtomicReference<Throwable> lastError) {
        this.description = description;
        this.state = state;
        this.ring = ring;
        this.driver = driver;
        this.aeron = aeron;
        this.aeronDirectory = aeronDirectory;
        this.engine = engine;
        this.failure = failure;
        this.lastError = lastError;
        this.thread = new Thread(this::run, "shm4j-bridge " + description);
        thread.setDaemon(true);
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
        if (!channel.startsWith("aeron:")) {
            throw new IllegalArgumentException(Msg.format("not an Aeron channel URI", "channel", channel));
        }
        Path external = null;
        Consumer<MediaDriver.Context> configure = c -> {};
        BridgeOption.CreateRing create = null;
        Supplier<IdleStrategy> idle = () -> new BackoffIdleStrategy();
        for (BridgeOption o : options) {
            switch (Objects.requireNonNull(o, "option")) {
                case BridgeOption.ExternalDriver e -> external = e.aeronDirectory();
                case BridgeOption.EmbeddedDriver e -> configure = e.configure();
                case BridgeOption.CreateRing c -> create = c;
                case BridgeOption.Idle i -> idle = i.idleStrategy();
            }
        }
        String roleName = role == BridgeState.ROLE_SEND ? "send" : "receive";
        String description = Msg.format(roleName, "ring", ringName, "channel", channel, "stream", streamId);
        AutoCloseable ring = null;
        BridgeState state = null;
        MediaDriver driver = null;
        Aeron aeron = null;
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
            String dir;
            if (external != null) {
                dir = external.toString();
            } else {
                reapStaleDriverDirectories();
                dir = SegmentName.SHM_DIRECTORY.resolve(EMBEDDED_PREFIX + ProcessHandle.current().pid() + "-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
                MediaDriver.Context ctx = new MediaDriver.Context().threadingMode(ThreadingMode.SHARED)
                        .dirDeleteOnStart(true).dirDeleteOnShutdown(true).warnIfDirectoryExists(false);
                configure.accept(ctx);
                ctx.aeronDirectoryName(dir);
                driver = MediaDriver.launch(ctx);
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicReference<Throwable> lastError = new AtomicReference<>();
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir).errorHandler(t -> {
                if (fatal(t)) {
                    failure.compareAndSet(null, t);
                } else {
                    lastError.set(t); // e.g. a send error while the peer is unreachable: the bridge goes on
                }
            }));
            BridgeEngine engine;
            if (role == BridgeState.ROLE_SEND) {
                Publication publication = aeron.addExclusivePublication(channel, streamId);
                engine = ring instanceof BroadcastRing b
                        ? SendEngine.ofBroadcast(b.receiver(), b.maxPayloadBytes(), identity, publication, state,
                                idle.get())
                        : SendEngine.ofRing(((MessageRing) ring).consumer(), ((MessageRing) ring).maxPayloadBytes(),
                                identity, publication, state, idle.get());
            } else {
                Subscription subscription = aeron.addSubscription(channel, streamId);
                engine = ring instanceof BroadcastRing b
                        ? ReceiveEngine.ofBroadcast(b.transmitter(), b.maxPayloadBytes(), subscription, state,
                                idle.get())
                        : ReceiveEngine.ofRing(((MessageRing) ring).producer(), ((MessageRing) ring).maxPayloadBytes(),
                                subscription, state, idle.get());
            }
            RingBridge bridge = new RingBridge(description, state, ring, driver, aeron, dir, engine, failure,
                    lastError);
            bridge.thread.start();
            return bridge;
        } catch (IOException | RuntimeException e) {
            closeQuietly(aeron);
            closeQuietly(driver);
            closeQuietly(state);
            closeQuietly(ring);
            throw e;
        }
    }

    private void run() {
        try {
            engine.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
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
     * client out, a fatal Aeron error. Empty while the bridge runs.
     */
    public Optional<Throwable> failure() {
        Throwable t = failure.get();
        if (t == null && !thread.isAlive() && !closed.get() && engine.started()) {
            return Optional.of(new IllegalStateException(Msg.format("bridge thread stopped", "bridge", description)));
        }
        return Optional.ofNullable(t);
    }

    /**
     * The media driver's system counters by label ({@code NAKs sent}, {@code Retransmits sent},
     * {@code Errors}...), as {@code AeronStat} shows them. With an external driver they count for
     * every client of that driver. Empty once closed.
     */
    public Map<String, Long> aeronCounters() {
        Map<String, Long> out = new LinkedHashMap<>();
        if (closed.get()) {
            return out;
        }
        CountersReader counters = aeron.countersReader();
        counters.forEach((counterId, typeId, keyBuffer, label) -> {
            if (typeId == AeronCounters.DRIVER_SYSTEM_COUNTER_TYPE_ID) {
                out.put(label, counters.getCounterValue(counterId));
            }
        });
        return out;
    }

    /**
     * The last error Aeron reported that did not stop the bridge (a channel endpoint error while
     * a peer is unreachable, for example); the bridge keeps trying. Empty if there was none.
     */
    public Optional<Throwable> lastAeronError() {
        return Optional.ofNullable(lastError.get());
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
        return aeronDirectory;
    }

    /**
     * Stops the thread (after the record in hand, if any: one the peer never took is counted lost
     * and shows as a gap to the receiver), closes the Aeron client, the embedded driver (removing
     * its directory) and the ring, and gives up the state segment, which stays for the next run.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        engine.stop();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(aeron);
        closeQuietly(driver);
        closeQuietly(ring);
        closeQuietly(state);
    }

    @Override
    public String toString() {
        return "RingBridge[" + description + "]";
    }

    /** Removes embedded driver directories left in /dev/shm by bridge processes that died. */
    private static void reapStaleDriverDirectories() {
        try (Stream<Path> entries = Files.list(SegmentName.SHM_DIRECTORY)) {
            entries.filter(p -> p.getFileName().toString().startsWith(EMBEDDED_PREFIX)).forEach(p -> {
                String rest = p.getFileName().toString().substring(EMBEDDED_PREFIX.length());
                int dash = rest.indexOf('-');
                try {
                    long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        return;
                    }
                    try (Stream<Path> walk = Files.walk(p)) {
                        for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                            Files.deleteIfExists(q);
                        }
                    }
                } catch (NumberFormatException | IOException ignored) {
                    // Not one of ours, or already gone: leave it.
                }
            });
        } catch (IOException ignored) {
            // No /dev/shm listing: nothing to reap.
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing on a failure path or at shutdown: the first error is what matters.
            }
        }
    }
}
