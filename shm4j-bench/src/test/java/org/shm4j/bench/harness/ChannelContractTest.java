package org.shm4j.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.shm4j.testkit.NoLeaks;

/**
 * The {@link Channel} contract, run over every Java transport that needs no JVM flags and no
 * standard streams, with both ends in this JVM: boundaries and order kept in both directions at
 * every size, concurrent producers never interleave, resources removed on close.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelContractTest {
    @TempDir
    Path dir;

    static Stream<JvmTransport> transports() {
        return Transports.all().stream().filter(t -> t instanceof JvmTransport).map(t -> (JvmTransport) t)
                .filter(t -> t.jvmOptions().isEmpty() && !t.usesPeerStdio());
    }

    @AfterEach
    void nothingLeft() throws IOException {
        assertThat(BenchLeaks.shmEntries()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("transports")
    void messagesKeepBoundariesAndOrderInBothDirections(JvmTransport transport) throws Exception {
        Spec spec = new Spec(65536, 1);
        int[] sizes = {8, 9, 63, 64, 65, 4095, 4096, 65536};
        withPair(transport, spec, (harness, peer, executor) -> {
            Future<?> echo = executor.submit(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(spec.maxMessageBytes());
                    for (int round = 0; round < 3 * sizes.length; round++) {
                        int length = peer.receive(buffer);
                        peer.send(buffer, length);
                    }
                }
                return null;
            });
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(spec.maxMessageBytes());
                MemorySegment in = arena.allocate(spec.maxMessageBytes());
                for (int round = 0; round < 3; round++) {
                    for (int size : sizes) {
                        fill(out, size, round * 31 + size);
                        harness.send(out, size);
                        assertThat(harness.receive(in)).isEqualTo(size);
                        assertThat(in.asSlice(0, size).mismatch(out.asSlice(0, size))).isEqualTo(-1L);
                    }
                }
            }
            echo.get(30, TimeUnit.SECONDS);
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void concurrentProducersNeverInterleaveMessages(JvmTransport transport) throws Exception {
        Assumptions.assumeTrue(transport.maxProducers() >= 4, "single-producer transport");
        Spec spec = new Spec(4096, 4);
        int perProducer = 2000;
        withPair(transport, spec, (harness, peer, executor) -> {
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                int id = p;
                producers.add(executor.submit(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment m = arena.allocate(1000);
                        for (int i = 0; i < perProducer; i++) {
                            m.fill((byte) id);
                            m.set(ValueLayout.JAVA_INT_UNALIGNED, 0, id);
                            m.set(ValueLayout.JAVA_INT_UNALIGNED, 4, i);
                            peer.send(m, 1000);
                        }
                    }
                    return null;
                }));
            }
            int[] next = new int[4];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate(4096);
                MemorySegment[] bodies = new MemorySegment[4];
                for (int id = 0; id < 4; id++) {
                    bodies[id] = arena.allocate(992).fill((byte) id);
                }
                for (int n = 0; n < 4 * perProducer; n++) {
                    assertThat(harness.receive(in)).isEqualTo(1000);
                    int id = in.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                    assertThat(id).isBetween(0, 3);
                    assertThat(in.get(ValueLayout.JAVA_INT_UNALIGNED, 4)).isEqualTo(next[id]++);
                    assertThat(in.asSlice(8, 992).mismatch(bodies[id])).isEqualTo(-1L);
                }
            }
            for (Future<?> f : producers) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(next).containsOnly(perProducer);
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void manyShortLivedSendingThreadsInTurnAreServed(JvmTransport transport) throws Exception {
        // The peer starts new producer threads for every stream slice; more threads in turn than an
        // MPSC ring has producer slots (64) must still be served.
        Assumptions.assumeTrue(transport.maxProducers() >= 4, "single-producer transport");
        Spec spec = new Spec(64, 4);
        int threads = 100;
        withPair(transport, spec, (harness, peer, executor) -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate(64);
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    Thread sender = Thread.ofPlatform().start(() -> {
                        try (Arena a = Arena.ofConfined()) {
                            MemorySegment m = a.allocate(64);
                            m.set(ValueLayout.JAVA_INT_UNALIGNED, 0, id);
                            peer.send(m, 64);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    assertThat(harness.receive(in)).isEqualTo(64);
                    assertThat(in.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).isEqualTo(id);
                    sender.join(10_000);
                    assertThat(sender.isAlive()).isFalse();
                }
            }
        });
    }

    interface PairTest {
        void run(Channel harness, Channel peer, ExecutorService executor) throws Exception;
    }

    /** Both ends in this JVM; the peer connects on another thread, as a child would. */
    private void withPair(JvmTransport transport, Spec spec, PairTest test) throws Exception {
        Waiter waiter = Waiter.withBudget(TimeUnit.SECONDS.toNanos(50));
        ExecutorService executor = Executors.newFixedThreadPool(5);
        try (Listener listener = transport.listen(spec, dir, waiter);
                ChildProcess standIn = ChildProcess.start(List.of("sleep", "60"), ChildProcess.Stdio.LOG, dir,
                        "stand-in")) {
            Future<Channel> connecting = executor.submit(() -> transport.connect(spec, listener.peerArguments(), waiter));
            try (Channel harness = listener.accept(standIn, waiter); Channel peer = connecting.get(30, TimeUnit.SECONDS)) {
                test.run(harness, peer, executor);
            }
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void fill(MemorySegment m, int size, int seed) {
        for (int i = 0; i < size; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) (seed + i * 7));
        }
    }
}
