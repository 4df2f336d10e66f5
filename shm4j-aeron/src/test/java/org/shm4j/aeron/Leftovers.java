package org.shm4j.aeron;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;

/** What bridge tests leave in {@code /dev/shm}, removed the same way by every test class. */
final class Leftovers {
    private Leftovers() {}

    /** Removes each ring and the state segments of the bridge ends that served it. */
    static void removeRings(List<String> rings) throws IOException {
        for (String ring : rings) {
            SharedMemory.remove(ring);
            for (BridgeStats b : BridgeStats.forRing(ring)) {
                SharedMemory.remove(b.stateName());
            }
        }
    }

    /**
     * Closes (ends) the child JVMs and removes the embedded media driver directories they made
     * ({@code shm4j-aeron-PID-...}): a bridge killed with SIGKILL never removes its own.
     */
    static void closeChildren(List<ChildJvm> children) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (ChildJvm c : children) {
            pids.add(c.pid());
            c.close();
        }
        children.clear();
        try (Stream<Path> entries = Files.list(Path.of("/dev/shm"))) {
            for (Path p : entries.toList()) {
                String n = p.getFileName().toString();
                if (pids.stream().anyMatch(pid -> n.startsWith("shm4j-aeron-" + pid + "-"))) {
                    try (Stream<Path> walk = Files.walk(p)) {
                        for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(q);
                        }
                    }
                }
            }
        }
    }
}
