package org.shm4j.bench.ring;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.shm4j.process.Child;
import org.shm4j.process.ChildLauncher;
import org.agrona.concurrent.UnsafeBuffer;

/** Child JVMs of the cross-process harnesses, and the memory they share. */
final class Peer {
    private Peer() {}

    /**
     * A child JVM running {@code main} with shm4j's flags, plus Agrona's export when it needs it; its
     * output and errors come through one pipe ({@code child.process().getInputStream()}).
     */
    static Child start(Class<?> main, boolean agrona, String... args) throws IOException {
        List<String> options = new ArrayList<>(List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"));
        if (agrona) {
            // Agrona 2.x uses jdk.internal.misc.Unsafe; shm4j needs no such flag.
            options.addAll(org.shm4j.bench.AgronaFlags.jvmOptions());
        }
        // Diagnostics for every child, e.g. -Dshm4j.bench.peerJvmOptions="-XX:+UnlockDiagnosticVMOptions
        // -XX:+LogCompilation -XX:LogFile=/tmp/jit-%p.log" to see what the JIT did while warming up.
        String extra = System.getProperty("shm4j.bench.peerJvmOptions", "").strip();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return ChildLauncher.java(main).jvmOptions(options).arguments(args).stdio(ChildLauncher.Stdio.PIPE)
                .errors(ChildLauncher.Errors.WITH_OUTPUT).start();
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
    static void finish(List<Child> children, String... shmNames) throws IOException, InterruptedException {
        for (Child c : children) {
            c.awaitExit(Duration.ofSeconds(30));
            c.close();
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
