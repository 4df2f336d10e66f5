package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.map.MapSpec;
import org.shm4j.map.MapStats;
import org.shm4j.map.SharedMap;
import org.shm4j.sync.SharedMutex;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** info shows a map's entries, load factor, stripes and their holders; a corrupt header is an error line. */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class MapProbeTest {
    /** Opens a map, locks stripe 1's mutex and waits to be killed. */
    public static final class HoldStripe {
        public static void main(String[] args) throws Exception {
            try (SharedMap map = SharedMap.open(args[0])) {
                long at = MapStats.stripeOffset(map.segment(), map.segment().byteSize(), 1);
                SharedMutex mutex = SharedMutex.open(map.segment().asSlice(at, SharedMutex.BYTES));
                mutex.lock();
                System.out.println("LOCKED");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    @Test
    void infoShowsEntriesLoadFactorStripesAndHolders() throws Exception {
        String name = TestNames.unique("map");
        try (SharedMap map = SharedMap.create(name, new MapSpec(100, 16, 16, 4))) {
            for (int i = 0; i < 25; i++) {
                map.strings().put("key" + i, "value" + i);
            }
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("map", "entries:", "25", "capacity:", "loadFactor:", "stripes:",
                    "stripeHolders:", "none");
            assertThat(cli().run("ls", "--type", "map", "--match", TestNames.prefix() + "*").out()).contains(name);
            try (ChildJvm child = ChildJvm.start(HoldStripe.class, name)) {
                child.awaitOutput("LOCKED", Duration.ofSeconds(60));
                Cli.Result held = cli().run("info", name);
                assertThat(held.out()).contains("lockedStripes:", "1:pid " + child.pid() + " (alive)");
                child.kill();
                Cli.Result dead = cli().run("info", name);
                assertThat(dead.out()).contains("1:pid " + child.pid() + " (dead");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aMapHeaderClaimingMoreThanTheSegmentIsAnErrorLineNotACrash() throws Exception {
        String name = TestNames.unique("badmap");
        try (SharedMap _ = SharedMap.create(name, MapSpec.of(100, 8, 8))) {
            Path p = Path.of("/dev/shm", name);
            byte[] bytes = Files.readAllBytes(p);
            Files.write(p, java.util.Arrays.copyOf(bytes, 4096));
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("map", "smaller than the map");
        } finally {
            SharedMemory.remove(name);
        }
    }
}
