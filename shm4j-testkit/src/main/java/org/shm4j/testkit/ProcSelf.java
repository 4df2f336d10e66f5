package org.shm4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this test JVM holds from the kernel, read from {@code /proc/self}. */
public final class ProcSelf {
    private ProcSelf() {}

    /** Whether this process maps the shared memory object or file {@code name} (as {@code /proc/self/maps} shows it). */
    public static boolean maps(String name) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.contains("/" + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many file descriptors this process has open. */
    public static int openDescriptors() {
        String[] fds = Path.of("/proc/self/fd").toFile().list();
        return fds == null ? 0 : fds.length;
    }
}
