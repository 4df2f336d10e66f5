package org.shm4j.bench.ring;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/** Child JVMs of the cross-process harnesses, and the memory they share. */
final class Peer {
    private Peer() {}

    /** A child JVM running {@code main} with shm4j's flags, plus Agrona's export when it needs it. */
    static Process start(Class<?> main, boolean agrona, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xms256m");
        command.add("-Xmx256m");
        command.add("-XX:+UseParallelGC");
        if (agrona) {
            // Agrona 2.x uses jdk.internal.misc.Unsafe; shm4j needs no such flag.
            command.add("--add-exports");
            command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
            command.add("-Dagrona.disable.bounds.checks=true");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Creates the /dev/shm file {@code name} of {@code length} zero bytes; it must not exist. */
    static void createFile(String name, long length) throws IOException {
        try (FileChannel channel = FileChannel.open(Path.of("/dev/shm", name), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            channel.truncate(length);
        }
    }

    /**
     * Ends a harness run: waits up to 30 s for each child (they exit once done) and kills the
     * ones still running, then removes the run's /dev/shm entries.
     */
    static void finish(List<Process> children, String... shmNames) throws IOException, InterruptedException {
        for (Process p : children) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        for (String n : shmNames) {
            Files.deleteIfExists(Path.of("/dev/shm", n));
        }
    }

    /** Maps a /dev/shm file for Agrona (as Aeron IPC does): an {@link UnsafeBuffer} over a MappedByteBuffer. */
    static UnsafeBuffer mapFile(String name, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(Path.of("/dev/shm", name), StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, length));
        }
    }
}
