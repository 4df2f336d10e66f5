package org.shm4j.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CPU affinity without native code: the allowed CPUs from {@code /proc/self/status}, and
 * {@code taskset} applied to one thread of this JVM by its kernel thread id
 * ({@code /proc/thread-self}), so the JVM's other threads (JIT, GC) stay free.
 */
public final class Cpus {
    private static final Path TASKSET = findTaskset();
    /** Read once, before any thread is pinned: /proc/self/status shows the main thread's affinity. */
    private static final List<Integer> ALLOWED = readAllowed();

    private Cpus() {}

    /** The CPUs this process could run on when it started, in order. */
    public static List<Integer> allowed() {
        return ALLOWED;
    }

    private static List<Integer> readAllowed() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return List.copyOf(parseList(line.substring(line.indexOf(':') + 1).trim()));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // Fall through to the JVM's count.
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            all.add(i);
        }
        return List.copyOf(all);
    }

    static List<Integer> parseList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                cpus.add(Integer.parseInt(part.trim()));
            } else {
                int from = Integer.parseInt(part.substring(0, dash).trim());
                int to = Integer.parseInt(part.substring(dash + 1).trim());
                for (int c = from; c <= to; c++) {
                    cpus.add(c);
                }
            }
        }
        return cpus;
    }

    public static boolean canPin() {
        return TASKSET != null;
    }

    /** Pins the calling thread (only it, not the JVM) to {@code cpu}; returns whether it worked. */
    public static boolean pinCurrentThread(int cpu) {
        if (TASKSET == null) {
            return false;
        }
        try {
            // /proc/thread-self -> "<pid>/task/<tid>": the calling thread's kernel id.
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            String tid = self.getFileName().toString();
            Process p = new ProcessBuilder(TASKSET.toString(), "-p", "-c", Integer.toString(cpu), tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path findTaskset() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "taskset");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
