package org.shm4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.shm4j.process.Child;
import org.shm4j.process.ChildLauncher;

/**
 * A child JVM for cross-process tests: the current {@code java}, the test class path,
 * {@code --enable-native-access}, a {@code main} class (usually a nested class of the test), and
 * flags for a fast start ({@link #TEST_JVM_OPTIONS}). Test conveniences over
 * {@link ChildLauncher}: its output (stdout and stderr together) goes to a file so a failing test
 * can show it; every wait is bounded and fails the test with that output; {@link #close()} kills
 * the child if it is still running.
 *
 * {@snippet :
 * try (ChildJvm child = ChildJvm.start(Reader.class, name)) {
 *     child.awaitOutput("READY", Duration.ofSeconds(20));
 *     child.assertExitCode(0, Duration.ofSeconds(20));
 * }
 * }
 */
public final class ChildJvm implements AutoCloseable {
    /**
     * Flags that make a short-lived test JVM start fast and stay small: C1 only, the serial
     * collector, the class-data archive when there is one. Not for benchmark peers.
     */
    public static final List<String> TEST_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto");

    private final Child child;
    private final Process process;
    private final String description;

    private ChildJvm(Child child) {
        this.child = child;
        this.process = child.process();
        this.description = child.description();
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
        return start(launcher(mainClass, jvmOptions).prefix(prefix).environment(environment).arguments(args));
    }

    /** The {@code java ... MainClass} command line for a child, without arguments. */
    public static List<String> javaCommand(Class<?> mainClass, List<String> jvmOptions) {
        return launcher(mainClass, jvmOptions).command();
    }

    /** Starts any command with output captured the same way. */
    public static ChildJvm startCommand(List<String> command, Map<String, String> environment, String description) {
        return start(ChildLauncher.command(command).environment(environment).description(description));
    }

    private static ChildLauncher launcher(Class<?> mainClass, List<String> jvmOptions) {
        List<String> options = new ArrayList<>(TEST_JVM_OPTIONS);
        options.addAll(jvmOptions);
        return ChildLauncher.java(mainClass).jvmOptions(options);
    }

    private static ChildJvm start(ChildLauncher launcher) {
        try {
            return new ChildJvm(
                    launcher.stdio(ChildLauncher.Stdio.LOG).errors(ChildLauncher.Errors.WITH_OUTPUT).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
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
        return child.output();
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
            OptionalInt code = child.awaitExit(timeout);
            if (code.isEmpty()) {
                child.kill();
                throw new AssertionError(description + " still running after " + timeout + "; output:\n" + output());
            }
            return code.getAsInt();
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

    /** Kills the child (and anything it started) with SIGKILL and waits, bounded, for it to be gone. */
    public void kill() {
        child.kill();
    }

    @Override
    public void close() {
        child.close();
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
