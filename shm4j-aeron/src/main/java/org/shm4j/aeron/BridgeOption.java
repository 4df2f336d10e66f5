package org.shm4j.aeron;

import io.aeron.driver.MediaDriver;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.agrona.concurrent.IdleStrategy;
import org.shm4j.ring.RingType;

/** Options for {@link RingBridge#send} and {@link RingBridge#receive}. */
public sealed interface BridgeOption
        permits BridgeOption.ExternalDriver, BridgeOption.EmbeddedDriver, BridgeOption.CreateRing,
        BridgeOption.Idle {

    /**
     * Uses a media driver that is already running with this Aeron directory (for example
     * {@code /dev/shm/aeron-root}, started with {@code io.aeron.driver.MediaDriver}), instead of
     * starting one inside this process. See docs/bridge.md for running a driver in production.
     */
    static BridgeOption externalDriver(Path aeronDirectory) {
        return new ExternalDriver(Objects.requireNonNull(aeronDirectory, "aeronDirectory"));
    }

    /**
     * Adjusts the embedded media driver's context before it starts (threading mode, timeouts, term
     * lengths, loss generators for tests). The bridge sets the Aeron directory; do not change it.
     */
    static BridgeOption embeddedDriver(Consumer<MediaDriver.Context> configure) {
        return new EmbeddedDriver(Objects.requireNonNull(configure, "configure"));
    }

    /**
     * Creates the ring if the name is free ({@code openOrCreate}); without this option the ring
     * must exist.
     *
     * @param type the ring type to create: SPSC, MPSC or BROADCAST
     * @param capacityBytes its data capacity: a power of two
     */
    static BridgeOption createRing(RingType type, long capacityBytes) {
        return new CreateRing(Objects.requireNonNull(type, "type"), capacityBytes);
    }

    /**
     * How the bridge's thread waits when there is nothing to do. Default: Agrona's
     * {@code BackoffIdleStrategy} (spins, yields, then parks up to 50 µs); a
     * {@code BusySpinIdleStrategy} gives the lowest latency at the cost of a core.
     */
    static BridgeOption idle(Supplier<IdleStrategy> idleStrategy) {
        return new Idle(Objects.requireNonNull(idleStrategy, "idleStrategy"));
    }

    /** See {@link #externalDriver(Path)}. @param aeronDirectory the driver's directory */
    record ExternalDriver(Path aeronDirectory) implements BridgeOption {}

    /** See {@link #embeddedDriver(Consumer)}. @param configure adjusts the context */
    record EmbeddedDriver(Consumer<MediaDriver.Context> configure) implements BridgeOption {}

    /** See {@link #createRing(RingType, long)}. @param type ring type @param capacityBytes capacity */
    record CreateRing(RingType type, long capacityBytes) implements BridgeOption {}

    /** See {@link #idle(Supplier)}. @param idleStrategy makes the bridge thread's idle strategy */
    record Idle(Supplier<IdleStrategy> idleStrategy) implements BridgeOption {}
}
