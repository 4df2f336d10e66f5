package org.shm4j.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the harness itself may leave behind: /dev/shm entries under its own prefix, child processes. */
public final class BenchLeaks {
    private BenchLeaks() {}

    /** /dev/shm entries made by the harness in this JVM that still exist. */
    public static List<Path> shmEntries() throws IOException {
        String prefix = "shm4j-bench-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> entries = Files.list(Path.of("/dev/shm"))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    /** Processes this JVM started (directly or not) that are still alive. */
    public static List<ProcessHandle> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    }
}
