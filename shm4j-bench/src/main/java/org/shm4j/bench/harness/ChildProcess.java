package org.shm4j.bench.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the harness: a peer JVM, a driver JVM or a C program. Its output goes to a log
 * file (shown when a session fails), unless its standard streams are the transport; every wait is
 * bounded; {@link #close()} kills it and its descendants; a shutdown hook kills every child still
 * alive when this JVM exits.
 */
public final class ChildProcess implements AutoCloseable {
    private static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ChildProcess::kill), "kill-children"));
    }

    /** Where the child's standard streams go. */
    public enum Stdio {
        /** stdout and stderr to the log, stdin from /dev/null. */
        LOG,
        /** stdin and stdout are pipes to this process (the pipe transport); stderr to the log. */
        PIPE
    }

    private final Process process;
    private final Path log;
    private final String description;

    private ChildProcess(Process process, Path log, String description) {
        this.process = process;
        this.log = log;
        this.description = description;
    }

    /** Starts {@code command}, logging into a new file in {@code directory}. */
    public static ChildProcess start(List<String> command, Stdio stdio, Path directory, String description)
            throws IOException {
        Files.createDirectories(directory);
        Path log = Files.createTempFile(directory, "child-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        if (stdio == Stdio.LOG) {
            builder.redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        ChildProcess child = new ChildProcess(builder.start(), log, description);
        LIVE.add(child);
        return child;
    }

    /**
     * The command that runs {@link ChildMain} in a new JVM from this JVM's class path. With a {@code classArchive}, the JVM writes a dynamic CDS archive of
     * the classes it loaded at exit, and later JVMs of the same role start from it: the second and
     * later rounds start their peers faster (Chronicle loads thousands of classes).
     */
    public static List<String> javaCommand(Path classArchive, List<String> jvmOptions, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        // A small serial heap: the peer allocates almost nothing, and GC threads would compete for 2 cores.
        command.add("-XX:+UseSerialGC");
        command.add("-Xms64m");
        command.add("-Xmx512m");
        command.add("-Xshare:auto");
        String classPath = System.getProperty("java.class.path");
        // Dynamic CDS archives only classes from jar files: with directories on the class path (a
        // build's target/classes) the dump fails, so then it is not asked for.
        boolean jarsOnly = java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
                .allMatch(e -> e.endsWith(".jar") && Files.isRegularFile(Path.of(e)));
        if (classArchive != null && jarsOnly) {
            command.add("-XX:+AutoCreateSharedArchive");
            command.add("-XX:SharedArchiveFile=" + classArchive);
            command.add("-Xlog:cds=off,cds+dynamic=off");
        }
        command.addAll(jvmOptions);
        // Extra options for every child JVM, e.g. -Dshm4j.bench.childJvmOptions="-XX:+PrintCompilation".
        String extra = System.getProperty("shm4j.bench.childJvmOptions", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.add("-cp");
        command.add(classPath);
        command.add(ChildMain.class.getName());
        command.addAll(arguments);
        return command;
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last few kilobytes the child wrote to its log. */
    public String logTail() {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "<cannot read child log: " + e + ">";
        }
    }

    /**
     * Waits for the child to exit and returns its exit code.
     *
     * @throws SessionAbortedException if it is still running after {@code timeout} (it is then killed)
     */
    public int waitFor(Duration timeout) throws SessionAbortedException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new SessionAbortedException(Kv.format("child did not exit", "child", description,
                        "timeoutMillis", timeout.toMillis()));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new SessionAbortedException(Kv.format("interrupted waiting for child", "child", description));
        }
    }

    /** Kills the child and everything it started with SIGKILL, and waits (bounded) for it to be gone. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        LIVE.remove(this);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // A leftover log in the work directory is harmless.
        }
    }

    @Override
    public String toString() {
        return description + "(pid " + process.pid() + ")";
    }
}
