package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.SpscRing;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SharedReadWriteLock;
import org.shm4j.sync.SharedSemaphore;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** ls and info show the kind of every object in the namespace, as opening it would judge it. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class LsKindTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void lsShowsTheKindOfEveryObject(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String prefix = TestNames.unique("kinds");
        Map<String, String> expected = new LinkedHashMap<>();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            open.add(SharedMemory.create(prefix + "-seg", 4096));
            expected.put(prefix + "-seg", "segment");
            open.add(SharedMutex.create(prefix + "-mutex"));
            expected.put(prefix + "-mutex", "mutex");
            open.add(SharedReadWriteLock.create(prefix + "-rw"));
            expected.put(prefix + "-rw", "read-write-lock");
            open.add(SharedEvent.create(prefix + "-event", EventReset.AUTO));
            expected.put(prefix + "-event", "event");
            open.add(SharedSemaphore.create(prefix + "-sem", 1, 4));
            expected.put(prefix + "-sem", "semaphore");
            open.add(SpscRing.create(prefix + "-spsc", 4096));
            expected.put(prefix + "-spsc", "spsc-ring");
            open.add(MpscRing.create(prefix + "-mpsc", 4096));
            expected.put(prefix + "-mpsc", "mpsc-ring");
            open.add(BroadcastRing.create(prefix + "-bcast", 4096));
            expected.put(prefix + "-bcast", "broadcast-ring");
            open.add(SharedMemory.mapFile(prefix + "-file", dir.resolve("file.bin"), 4096, org.shm4j.Access.READ_WRITE,
                    org.shm4j.SegmentOption.Disposition.OPEN_OR_CREATE));
            expected.put(prefix + "-file", "file-mapping");
            open.add(SharedMap.create(prefix + "-map", MapSpec.of(16, 8, 8)));
            expected.put(prefix + "-map", "map");

            Cli.Result ls = cli().run("ls", "--json", "--match", prefix + "-*");
            assertThat(ls.code()).as(ls.toString()).isZero();
            Map<String, String> kinds = new LinkedHashMap<>();
            for (JsonNode n : JSON.readTree(ls.out())) {
                kinds.put(n.get("name").asText(), n.get("kind").asText());
            }
            assertThat(kinds).containsExactlyInAnyOrderEntriesOf(expected);

            Cli.Result table = cli().run("ls", "--match", prefix + "-*");
            assertThat(table.out()).contains("KIND", "spsc-ring", "read-write-lock", "semaphore");
            Cli.Result onlyLocks = cli().run("ls", "--kind", "mutex,read-write-lock", "--match", prefix + "-*");
            assertThat(onlyLocks.out()).contains(prefix + "-mutex", prefix + "-rw").doesNotContain(prefix + "-sem");
            assertThat(cli().run("info", prefix + "-mpsc").out()).contains("kind:", "mpsc-ring");
            assertThat(cli().run("info", prefix + "-map").out()).contains("kind:", "map");
            Cli.Result onlyMaps = cli().run("ls", "--kind", "map", "--match", prefix + "-*");
            assertThat(onlyMaps.out()).contains(prefix + "-map").doesNotContain(prefix + "-seg");
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
            for (String n : expected.keySet()) {
                SharedMemory.remove(n);
            }
        }
    }
}
