package org.shm4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for cross-process tests: the current {@code java}, the test class path,
 * {@code --enable-native-access}, a {@code main} class (usually a nested class of the test).
 * Its output (stdout and stderr together) goes to a file so a failing test can show it; every
 * wait is bounded; {@link #close()} kills the child if it is still running.
 *
 * {@snippet :
 * try (ChildJvm child = ChildJvm.start(Reader.class, name)) {
 *     child.awaitOutput("READY", Duration.ofSeconds(20));
 *     child.assertExitCode(0, Duration.ofSeconds(20));
 * }
 * }
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final String description;

    private ChildJvm(Process process, Path output, String description) {
        this.process = process;
        this.output = output;
        this.description = description;
    }

    /** Starts {@code mainClass.main(args)} in a new JVM. */
    public static ChildJvm start(Class<?> mainClass, String... args) {
        return start(mainClass, Map.of(), List.of(), args);
    }

    /** Starts a child with extra environment variables and JVM options. */
    public static ChildJvm start(Class<?> mainClass, Map<String, String> environment, List<String> jvmOptions,
            String... args) {
        return start(List.of(), mainClass, environment, jvmOptions, args);
    }

    /**
     * Starts a child under a command prefix such as {@code setpriv --reuid=65534 --} or
     * {@code unshare -m --}.
     */
    public static ChildJvm start(List<String> prefix, Class<?> mainClass, Map<String, String> environment,
            List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(javaCommand(mainClass, jvmOptions));
        command.addAll(List.of(args));
        return startCommand(command, environment, mainClass.getSimpleName());
    }

    /** The {@code java ... MainClass} command line for a child, without arguments. */
    public static List<String> javaCommand(Class<?> mainClass, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Xshare:auto");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        return command;
    }

    /** Starts any command with output captured the same way. */
    public static ChildJvm startCommand(List<String> command, Map<String, String> environment, String description) {
        try {
            Path output = Files.createTempFile("shm4j-child-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(environment);
            return new ChildJvm(builder.start(), output, description);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start child: " + command, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Everything the child printed so far. */
    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<cannot read child output: " + e + ">";
        }
    }

    /** Waits until the child printed a line containing {@code text}; fails with its output on timeout or exit. */
    public void awaitOutput(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output().contains(text)) {
            if (!process.isAlive() && !output().contains(text)) {
                throw new AssertionError(description + " exited with " + process.exitValue() + " before printing "
                        + text + "; output:\n" + output());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(description + " did not print " + text + " within " + timeout
                        + "; output:\n" + output());
            }
            sleepMillis(5);
        }
    }

    /** Waits for exit and returns the exit code; fails with the output if it takes longer than {@code timeout}. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(description + " still running after " + timeout + "; output:\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + description, e);
        }
    }

    /** Waits for exit and fails, showing the output, unless the exit code is {@code expected}. */
    public void assertExitCode(int expected, Duration timeout) {
        int code = waitFor(timeout);
        if (code != expected) {
            throw new AssertionError(description + " exited with " + code + ", expected " + expected + "; output:\n"
                    + output());
        }
    }

    /** Kills the child with SIGKILL and waits for it to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        try {
            Files.deleteIfExists(output);
        } catch (IOException ignored) {
            // A leftover log in the temp directory is harmless.
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
