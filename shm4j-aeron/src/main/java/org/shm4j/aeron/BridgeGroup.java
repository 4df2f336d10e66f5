package org.shm4j.aeron;

import io.aeron.Aeron;
import io.aeron.AeronCounters;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersReader;
import org.shm4j.SegmentName;

/**
 * Several bridge ends of one process on one thread, with one Aeron client and one media driver.
 *
 * <p>A process that both sends and receives (a request ring out, a reply ring in) would otherwise
 * run a thread per end; on a machine with few cores every hop between busy threads costs context
 * switches. A group runs all its ends' duty cycles on one thread and, with the embedded driver
 * (the default, in Aeron's {@code INVOKER} threading mode), the driver's duty cycle on that same
 * thread too: the process's whole bridge is one thread. {@link RingBridge#send} and
 * {@link RingBridge#receive} are a group of one end.
 *
 * {@snippet :
 * try (BridgeGroup group = BridgeGroup.start();
 *         RingBridge out = group.send("requests", "aeron:udp?endpoint=hostb:40123", 1001);
 *         RingBridge in = group.receive("replies", "aeron:udp?endpoint=hosta:40124", 1002)) {
 *     ...
 * }
 * }
 *
 * <p>Options: {@link BridgeOption#externalDriver}, {@link BridgeOption#embeddedDriver} and
 * {@link BridgeOption#idle} apply to the group; {@link BridgeOption#createRing} to an end.
 * Closing the group closes its ends.
 */
public final class BridgeGroup implements AutoCloseable {
    static final String EMBEDDED_PREFIX = "shm4j-aeron-";

    private final MediaDriver driver;
    private final Aeron aeron;
    private final String aeronDirectory;
    private final BridgeRunner runner;
    private final AtomicReference<Throwable> failure;
    private final AtomicReference<Throwable> lastError;
    private final List<RingBridge> bridges = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private BridgeGroup(MediaDriver driver, Aeron aeron, String aeronDirectory, BridgeRunner runner,
            AtomicReference<Throwable> failure, AtomicReference<Throwable> lastError) {
        this.driver = driver;
        this.aeron = aeron;
        this.aeronDirectory = aeronDirectory;
        this.runner = runner;
        this.failure = failure;
        this.lastError = lastError;
    }

    /**
     * Starts a group's thread, and its embedded media driver unless {@link BridgeOption#externalDriver}
     * is given. The embedded driver runs in Aeron's {@code INVOKER} mode, driven by the group's
     * thread; an {@link BridgeOption#embeddedDriver} option that sets another threading mode gives
     * the driver threads of its own instead.
     *
     * @throws IllegalArgumentException if a {@link BridgeOption#createRing} option is given (it belongs to an end)
     * @throws io.aeron.exceptions.AeronException if the media driver cannot start or be reached
     */
    public static BridgeGroup start(BridgeOption... options) {
        for (BridgeOption o : options) {
            if (Objects.requireNonNull(o, "option") instanceof BridgeOption.CreateRing) {
                throw new IllegalArgumentException(Msg.format("option belongs to an end, not a group", "option", o));
            }
        }
        return start("shm4j-bridge group", options);
    }

    static BridgeGroup start(String threadName, BridgeOption... options) {
        Path external = null;
        Consumer<MediaDriver.Context> configure = c -> {};
        Supplier<IdleStrategy> idle = BridgeGroup::defaultIdle;
        for (BridgeOption o : options) {
            switch (Objects.requireNonNull(o, "option")) {
                case BridgeOption.ExternalDriver e -> external = e.aeronDirectory();
                case BridgeOption.EmbeddedDriver e -> configure = e.configure();
                case BridgeOption.Idle i -> idle = i.idleStrategy();
                case BridgeOption.CreateRing _ -> { } // an end's option: RingBridge applies it
            }
        }
        MediaDriver driver = null;
        BridgeRunner runner = null;
        Aeron aeron = null;
        try {
            String dir;
            AgentInvoker invoker = null;
            if (external != null) {
                dir = external.toString();
            } else {
                reapStaleDriverDirectories();
                dir = SegmentName.SHM_DIRECTORY.resolve(EMBEDDED_PREFIX + ProcessHandle.current().pid() + "-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong())).toString();
                MediaDriver.Context ctx = new MediaDriver.Context().threadingMode(ThreadingMode.INVOKER)
                        .dirDeleteOnStart(true).dirDeleteOnShutdown(true).warnIfDirectoryExists(false);
                configure.accept(ctx);
                ctx.aeronDirectoryName(dir);
                driver = MediaDriver.launch(ctx);
                invoker = driver.sharedAgentInvoker(); // null unless INVOKER mode
            }
            // Started before the client connects: in INVOKER mode the driver answers only while this thread runs.
            runner = new BridgeRunner(threadName, invoker, Objects.requireNonNull(idle.get(), "idle strategy"));
            runner.start();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicReference<Throwable> lastError = new AtomicReference<>();
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir).errorHandler(t -> {
                if (RingBridge.fatal(t)) {
                    failure.compareAndSet(null, t);
                } else {
                    lastError.set(t); // e.g. a send error while the peer is unreachable: the bridge goes on
                }
            }));
            return new BridgeGroup(driver, aeron, dir, runner, failure, lastError);
        } catch (RuntimeException e) {
            closeQuietly(aeron);
            if (runner != null) {
                runner.stop();
            }
            closeQuietly(driver);
            throw e;
        }
    }

    /**
     * The default idle strategy: Agrona's back-off (10 spins, 20 yields, then parks from 1 µs)
     * with parks of at most {@value #MAX_PARK_NANOS} ns instead of Aeron's 1 ms. The thread also
     * runs the driver, and it idles when the receiving ring is full: with 1 ms parks a consumer
     * that drained the ring then waited up to 1 ms for the next record, and the bridge's
     * throughput fell to a fraction of bare Aeron's on 2 cores. Idle, it wakes 20,000 times a
     * second at most (about 1% of a core).
     */
    static IdleStrategy defaultIdle() {
        return new BackoffIdleStrategy(10, 20, 1_000, MAX_PARK_NANOS);
    }

    static final long MAX_PARK_NANOS = 50_000;

    /**
     * Starts a sending end on this group's thread; see {@link RingBridge#send}.
     *
     * @throws IllegalArgumentException if an option other than {@link BridgeOption#createRing} is given,
     *     or the channel is not an Aeron URI
     * @throws IllegalStateException if the group is closed
     * @throws IOException as {@link RingBridge#send}
     */
    public RingBridge send(String ringName, String channel, int streamId, BridgeOption... options)
            throws IOException {
        return open(BridgeState.ROLE_SEND, ringName, channel, streamId, endOption(options), false);
    }

    /**
     * Starts a receiving end on this group's thread; see {@link RingBridge#receive}.
     *
     * @throws IllegalArgumentException if an option other than {@link BridgeOption#createRing} is given,
     *     or the channel is not an Aeron URI
     * @throws IllegalStateException if the group is closed
     * @throws IOException as {@link RingBridge#receive}
     */
    public RingBridge receive(String ringName, String channel, int streamId, BridgeOption... options)
            throws IOException {
        return open(BridgeState.ROLE_RECEIVE, ringName, channel, streamId, endOption(options), false);
    }

    private static BridgeOption.CreateRing endOption(BridgeOption... options) {
        BridgeOption.CreateRing create = null;
        for (BridgeOption o : options) {
            if (Objects.requireNonNull(o, "option") instanceof BridgeOption.CreateRing c) {
                create = c;
            } else {
                throw new IllegalArgumentException(Msg.format("option belongs to the group, not an end", "option", o));
            }
        }
        return create;
    }

    /** Synchronized with {@link #close()}: an end is either refused or closed with the group. */
    synchronized RingBridge open(int role, String ringName, String channel, int streamId,
            BridgeOption.CreateRing create, boolean ownsGroup) throws IOException {
        if (closed.get()) {
            throw new IllegalStateException(Msg.format("bridge group closed", "aeronDir", aeronDirectory));
        }
        RingBridge bridge = RingBridge.open(this, role, ringName, channel, streamId, create, ownsGroup);
        bridges.add(bridge);
        return bridge;
    }

    Aeron aeron() {
        return aeron;
    }

    BridgeRunner runner() {
        return runner;
    }

    void detach(RingBridge bridge) {
        bridges.remove(bridge);
    }

    /** The Aeron directory of the media driver in use. */
    public String aeronDirectory() {
        return aeronDirectory;
    }

    /**
     * The error that stopped the group: the driver went away or timed the client out, a fatal
     * Aeron error, or the thread itself failed. Empty while the group runs.
     */
    public Optional<Throwable> failure() {
        Throwable t = failure.get();
        if (t == null) {
            t = runner.failure();
        }
        if (t == null && !runner.isAlive() && !closed.get()) {
            t = new IllegalStateException(Msg.format("bridge thread stopped", "aeronDir", aeronDirectory));
        }
        return Optional.ofNullable(t);
    }

    Optional<Throwable> lastAeronError() {
        return Optional.ofNullable(lastError.get());
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
     * Closes every end of the group (each as {@link RingBridge#close}), then stops the thread,
     * closes the Aeron client and the embedded driver (removing its directory). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (RingBridge b : bridges) {
            b.close();
        }
        runner.stop();
        closeQuietly(aeron);
        closeQuietly(driver);
    }

    boolean isClosed() {
        return closed.get();
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

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing on a failure path or at shutdown: the first error is what matters.
            }
        }
    }
}
