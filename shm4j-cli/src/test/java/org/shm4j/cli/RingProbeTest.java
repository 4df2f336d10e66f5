package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** ls, info and watch show a ring's positions, lag and counters; a corrupt header is reported, not trusted. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class RingProbeTest {

    @Test
    void infoShowsPositionsLagAndCounters() throws Exception {
        String name = TestNames.unique("ring");
        try (SpscRing ring = SpscRing.create(name, 1 << 16); RingProducer producer = ring.producer();
             Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(64);
            for (int i = 0; i < 10; i++) {
                assertThat(producer.offer(1, payload)).isTrue();
            }
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("ring", "SPSC", "capacity:", "65536", "messagesWritten:", "10",
                    "lagBytes:");
            assertThat(cli().run("ls", "--type", "ring", "--match", TestNames.prefix() + "*").out()).contains(name);
            Cli.Result watch = cli().run("watch", name, "--count", "2", "--interval", "50ms");
            assertThat(watch.code()).as(watch.toString()).isZero();
            assertThat(watch.out()).contains("messagesWritten=10");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aRingHeaderClaimingMoreThanTheSegmentIsAnErrorLineNotACrash() throws Exception {
        String name = TestNames.unique("badring");
        try (SpscRing _ = SpscRing.create(name, 1 << 16)) {
            Path p = Path.of("/dev/shm", name);
            byte[] bytes = Files.readAllBytes(p);
            // Truncate the segment so the header claims a ring larger than the file.
            Files.write(p, java.util.Arrays.copyOf(bytes, 0x3000 + 1024));
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("ring", "segment smaller than the ring");
        } finally {
            SharedMemory.remove(name);
        }
    }
}
