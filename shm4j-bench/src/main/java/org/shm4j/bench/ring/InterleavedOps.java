package org.shm4j.bench.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.shm4j.SharedMemory;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingClaim;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * {@link RingOpsBenchmark} and {@link AgronaOpsBenchmark} in one JVM and one thread, interleaved:
 * rounds of blocks of 200,000 operations, each variant once per round, so a machine whose load
 * changes from second to second (others building) slows every variant of a round alike. Prints
 * the median ns per operation of each variant and the median of its per-round ratio to Agrona's
 * write + read. Run with Agrona's flags ({@code org.shm4j.bench.AgronaFlags}):
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
 *      -Dagrona.disable.bounds.checks=true -cp shm4j-bench/target/shm4j-benchmarks.jar \
 *      org.shm4j.bench.ring.InterleavedOps [rounds]
 * </pre>
 */
public final class InterleavedOps {
    private static final int BLOCK = 200_000;

    private InterleavedOps() {}

    /** One variant: runs {@code n} operations and returns a value that depends on them. */
    interface Variant {
        long run(int n);
    }

    static final class Sum implements RecordHandler, MessageHandler {
        long total;

        @Override
        public void onRecord(int typeId, MemorySegment payload) {
            total += payload.get(ValueLayout.JAVA_LONG, 0);
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            total += buffer.getLong(index);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String name = "shm4j-ops-" + ProcessHandle.current().pid();
        String agronaName = name + "-agrona";
        SharedMemory.remove(name);
        try (Arena arena = Arena.ofConfined();
                SpscRing ring = SpscRing.create(name, 1 << 20);
                RingProducer producer = ring.producer(WaitStrategy.busySpin());
                RingConsumer consumer = ring.consumer(WaitStrategy.busySpin(), Duration.ofSeconds(30))) {
            MemorySegment payload = arena.allocate(64, 8);
            Sum sum = new Sum();
            UnsafeBuffer buffer = Peer.mapFile(agronaName, (1 << 20) + RingBufferDescriptor.TRAILER_LENGTH);
            OneToOneRingBuffer agrona = new OneToOneRingBuffer(buffer);
            UnsafeBuffer agronaPayload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            List<String> names = List.of("agrona write+read(16)", "agrona write+read(1)", "agrona claim+commit+read(1)",
                    "shm4j offer+poll(16)", "shm4j offer+poll(1)", "shm4j tryClaim+commit+poll(1)");
            List<Variant> variants = List.of(n -> {
                for (int i = 0; i < n; i++) {
                    agronaPayload.putLong(0, sum.total);
                    agrona.write(1, (DirectBuffer) agronaPayload, 0, 64);
                    agrona.read(sum, 16);
                }
                return sum.total;
            }, n -> {
                for (int i = 0; i < n; i++) {
                    agronaPayload.putLong(0, sum.total);
                    agrona.write(1, (DirectBuffer) agronaPayload, 0, 64);
                    agrona.read(sum, 1);
                }
                return sum.total;
            }, n -> {
                for (int i = 0; i < n; i++) {
                    int index = agrona.tryClaim(1, 64);
                    agrona.buffer().putLong(index, sum.total);
                    agrona.commit(index);
                    agrona.read(sum, 1);
                }
                return sum.total;
            }, n -> {
                for (int i = 0; i < n; i++) {
                    payload.set(ValueLayout.JAVA_LONG, 0, sum.total);
                    producer.offer(1, payload);
                    consumer.poll(sum, 16);
                }
                return sum.total;
            }, n -> {
                for (int i = 0; i < n; i++) {
                    payload.set(ValueLayout.JAVA_LONG, 0, sum.total);
                    producer.offer(1, payload);
                    consumer.poll(sum, 1);
                }
                return sum.total;
            }, n -> {
                for (int i = 0; i < n; i++) {
                    RingClaim claim = producer.tryClaim(1, 64);
                    claim.segment().set(ValueLayout.JAVA_LONG, 0, sum.total);
                    claim.commit();
                    consumer.poll(sum, 1);
                }
                return sum.total;
            });
            int warm = 10;
            double[][] ns = new double[variants.size()][rounds];
            long sink = 0;
            for (int r = -warm; r < rounds; r++) {
                for (int v = 0; v < variants.size(); v++) {
                    long t0 = System.nanoTime();
                    sink += variants.get(v).run(BLOCK);
                    double perOp = (double) (System.nanoTime() - t0) / BLOCK;
                    if (r >= 0) {
                        ns[v][r] = perOp;
                    }
                }
            }
            System.out.printf("interleaved single-thread ops, 64-byte records, %d rounds of %d ops per variant "
                    + "(agrona.disable.bounds.checks=%s)%n", rounds, BLOCK,
                    System.getProperty("agrona.disable.bounds.checks", "false"));
            System.out.printf("%-32s %10s %10s %24s%n", "variant", "median ns", "min ns", "ratio to agrona write+read(16)");
            for (int v = 0; v < variants.size(); v++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = ns[v][r] / ns[0][r];
                }
                System.out.printf("%-32s %10.1f %10.1f %10.2fx (vs same-call agrona %.2fx)%n", names.get(v),
                        median(ns[v]), Arrays.stream(ns[v]).min().orElse(0), median(ratios),
                        v >= 3 ? median(ratio(ns[v], ns[v - 3])) : 1.0);
            }
            if (sink == 42) {
                System.out.println();
            }
        } finally {
            SharedMemory.remove(name);
            Files.deleteIfExists(Path.of("/dev/shm", agronaName));
        }
    }

    private static double[] ratio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
