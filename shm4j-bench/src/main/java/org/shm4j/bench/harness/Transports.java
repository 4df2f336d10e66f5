package org.shm4j.bench.harness;

import java.util.List;
import java.util.Optional;
import org.shm4j.bench.transport.AgronaTransport;
import org.shm4j.bench.transport.ChronicleTransport;
import org.shm4j.bench.transport.NativeTransport;
import org.shm4j.bench.transport.PipeTransport;
import org.shm4j.bench.transport.ShmSpinTransport;
import org.shm4j.bench.transport.SocketTransport;
import org.shm4j.internal.Messages;

/**
 * Every transport the harness knows, in report order; the first is the baseline every ratio is
 * taken against. A child JVM finds its transport here by name, so a transport must be listed to be
 * measured.
 *
 * <h2>Adding a transport</h2>
 * Both sides in Java over one shm4j segment (the shm4j rings and events): extend
 * {@link SegmentTransport}, whose javadoc shows the three methods; for anything else extend
 * {@link JvmTransport} ({@code listen} makes the resources, {@code connect} opens them in the peer).
 * Then add one line to {@link #all()}. For example, after the ring and sync packages are merged:
 * {@snippet :
 * new RingTransport("shm4j-spsc-spin", SpscRing::create, SpscRing::open, Wait.SPIN),
 * new RingTransport("shm4j-spsc-block", SpscRing::create, SpscRing::open, Wait.BLOCK),
 * new RingTransport("shm4j-mpsc-spin", MpscRing::create, MpscRing::open, Wait.SPIN), // maxProducers() 4
 * new EventHandoffTransport(),   // a slot plus two auto-reset events; compare with c-futex
 * }
 * Give blocking transports a name ending in {@code -block} and spinning ones {@code -spin}; the
 * report compares every transport with the baseline and the C peers in the same run, so nothing
 * else needs to change. Register a JMH benchmark of the same structure in {@code org.shm4j.bench.ring}
 * or {@code org.shm4j.bench.sync} for single-process costs.
 */
public final class Transports {
    private static final List<Transport> ALL = List.of(
            new ShmSpinTransport(),
            NativeTransport.spin(),
            NativeTransport.spscRing(),
            NativeTransport.futex(),
            AgronaTransport.oneToOne(),
            AgronaTransport.manyToOne(),
            new ChronicleTransport(),
            SocketTransport.unixDomain(),
            SocketTransport.tcpLoopback(),
            new PipeTransport());

    private Transports() {}

    /** Every transport, the baseline first. */
    public static List<Transport> all() {
        return ALL;
    }

    /** The baseline: raw shared memory, spinning (see {@link ShmSpinTransport}). */
    public static Transport baseline() {
        return ALL.getFirst();
    }

    public static Optional<Transport> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    static JvmTransport jvm(String name) {
        Transport t = byName(name).orElseThrow(() -> new IllegalArgumentException(
                Messages.format("unknown transport", "name", name)));
        if (!(t instanceof JvmTransport jvm)) {
            throw new IllegalArgumentException(Messages.format("not a Java transport", "name", name));
        }
        return jvm;
    }
}
