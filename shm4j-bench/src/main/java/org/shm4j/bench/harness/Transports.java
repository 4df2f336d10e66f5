package org.shm4j.bench.harness;

import java.util.List;
import java.util.Optional;
import org.shm4j.bench.transport.AgronaTransport;
import org.shm4j.bench.transport.EventHandoffTransport;
import org.shm4j.bench.transport.ShmRingTransport;
import org.shm4j.bench.transport.ChronicleTransport;
import org.shm4j.bench.transport.NativeTransport;
import org.shm4j.bench.transport.PipeTransport;
import org.shm4j.bench.transport.ShmSpinTransport;
import org.shm4j.bench.transport.SocketTransport;

/**
 * Every transport the harness knows, in report order; the first is the baseline every ratio is
 * taken against. A child JVM finds its transport here by name, so a transport must be listed to be
 * measured.
 *
 * <h2>Adding a transport</h2>
 * Both sides in Java over one shm4j segment (the raw baseline, the event hand-off): extend
 * {@link SegmentTransport} and implement its three methods (its javadoc has the skeleton: the size,
 * the harness side that lays the structure out, the peer side that attaches); for anything else
 * extend {@link JvmTransport} ({@code listen} makes the resources, {@code connect} opens them in
 * the peer; the shm4j rings do so, creating and opening named rings). Then add one line per
 * variant to the list below, after the baseline and the C peers, as the rings do:
 * {@snippet :
 * ShmRingTransport.spsc(ShmRingTransport.Wait.SPIN),    // "shm4j-spsc-spin", copying offer
 * ShmRingTransport.spscClaim(),                         // "shm4j-spsc-claim", zero-copy tryClaim + commit
 * ShmRingTransport.mpsc(ShmRingTransport.Wait.SPIN),    // maxProducers() 4: joins the producer scaling
 * new EventHandoffTransport(),                          // a slot and two auto-reset events: compare with c-futex
 * }
 * Name blocking variants {@code -block} and spinning ones {@code -spin}. The report, the ratios to
 * the baseline, the charts and {@code ChannelContractTest} pick new transports up by themselves;
 * nothing else needs to change. A blocking wait must wake at least every 100 ms to call
 * {@link Waiter#check()}, so a dead peer cannot hang the session. JMH benchmarks of the same
 * structures in one process go in {@code org.shm4j.bench.ring} and {@code org.shm4j.bench.sync}.
 */
public final class Transports {
    private static final List<Transport> ALL = List.of(
            new ShmSpinTransport(),
            NativeTransport.spin(),
            NativeTransport.spscRing(),
            NativeTransport.futex(),
            ShmRingTransport.spsc(ShmRingTransport.Wait.SPIN),
            ShmRingTransport.spscClaim(),
            ShmRingTransport.spsc(ShmRingTransport.Wait.BLOCK),
            ShmRingTransport.mpsc(ShmRingTransport.Wait.SPIN),
            new EventHandoffTransport(),
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
                Kv.format("unknown transport", "name", name)));
        if (!(t instanceof JvmTransport jvm)) {
            throw new IllegalArgumentException(Kv.format("not a Java transport", "name", name));
        }
        return jvm;
    }
}
