package org.shm4j.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A running child started by {@link ChildLauncher}. Every wait is bounded; {@link #close()} kills
 * the child and everything it started if it still runs, and removes its log file.
 */
public final class Child implements AutoCloseable {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final Process process;
    private final Path log;
    private final String description;

    Child(Process process, Path log, String description) {
        this.process = process;
        this.log = log;
        this.description = description;
    }

    public long pid() {
        return process.pid();
    }

    /** The process, for its pipes ({@link ChildLauncher.Stdio#PIPE}) and handle. */
    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The name given to the launcher, for messages. */
    public String description() {
        return description;
    }

    /** The log file, when the child's output or errors go to one. */
    public Optional<Path> log() {
        return Optional.ofNullable(log);
    }

    /** Everything the child wrote to its log so far; empty when it has none. */
    public String output() {
        if (log == null) {
            return "";
        }
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<cannot read child log: log=" + log + ", error=" + e + ">";
        }
    }

    /**
     * Waits at most {@code timeout} for the child to exit.
     *
     * @param timeout how long at most: zero checks once, a duration too long for a {@code long} of
     *     nanoseconds has no limit
     * @return the exit code, or empty when the child still runs after {@code timeout}
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: timeout=" + timeout + ", child=" + this);
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE;
        }
        if (!process.waitFor(nanos, TimeUnit.NANOSECONDS)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(process.exitValue());
    }

    /**
     * Kills the child and its descendants with {@code SIGKILL} ({@code destroyForcibly}) and waits
     * up to 10 s for it to be gone. Interruption ends the wait early and stays set.
     */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the child if it still runs and removes its log file. Safe to call more than once. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        if (log != null) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // A leftover log in a temporary directory is harmless.
            }
        }
    }

    @Override
    public String toString() {
        return description + "(pid " + process.pid() + ")";
    }
}
