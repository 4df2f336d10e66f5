package org.shm4j.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where a command reads and writes, and what kind of terminal it talks to. The real process
 * uses the standard streams; tests pass their own streams and say whether to act as on a terminal.
 *
 * @param in standard input, raw bytes
 * @param out standard output, raw bytes (data from {@code cat} and {@code dump} goes here unchanged)
 * @param err standard error, for messages and progress bars
 * @param stdoutTerminal whether standard output is a terminal (colours, refreshing in place)
 * @param stderrTerminal whether standard error is a terminal (progress bars)
 * @param environment the environment, for {@code NO_COLOR}, {@code COLUMNS} and {@code TERM}
 */
public record Io(InputStream in, OutputStream out, PrintStream err, boolean stdoutTerminal, boolean stderrTerminal,
        Map<String, String> environment) {

    public Io {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        environment = Map.copyOf(environment);
    }

    /** The process's own streams; terminals detected through {@code /proc/self/fd}. */
    public static Io system() {
        return new Io(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8),
                isTerminal(1), isTerminal(2), System.getenv());
    }

    /** Whether colours may be used on standard output: a terminal, {@code NO_COLOR} unset, {@code TERM} not dumb. */
    public boolean colour() {
        String noColor = environment.get("NO_COLOR");
        return stdoutTerminal && (noColor == null || noColor.isEmpty()) && !"dumb".equals(environment.get("TERM"));
    }

    /** The terminal width from {@code COLUMNS}, or {@code fallback}. */
    public int columns(int fallback) {
        try {
            int c = Integer.parseInt(environment.getOrDefault("COLUMNS", ""));
            return c >= 20 && c <= 10_000 ? c : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static boolean isTerminal(int fd) {
        // No isatty without native access in this module; the descriptor's target tells the same.
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
