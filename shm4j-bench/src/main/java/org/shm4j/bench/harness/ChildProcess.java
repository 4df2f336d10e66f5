package org.shm4j.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.shm4j.process.Child;
import org.shm4j.process.ChildLauncher;

/**
 * A child process of the harness: a peer JVM, a driver JVM or a C program, started by
 * {@link ChildLauncher}. Its output goes to a log file (shown when a session fails), unless its
 * standard streams are the transport; every wait is bounded; {@link #close()} kills it and its
 * descendants; a shutdown hook kills every child still alive when this JVM exits.
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

    private final Child child;
    private final Process process;

    private ChildProcess(Child child) {
        this.child = child;
        this.process = child.process();
    }

    /** Starts {@code command}, logging into a new file in {@code directory}. */
    public static ChildProcess start(List<String> command, Stdio stdio, Path directory, String description)
            throws IOException {
        ChildLauncher launcher = ChildLauncher.command(command).logDirectory(directory).description(description);
        if (stdio == Stdio.LOG) {
            launcher.stdio(ChildLauncher.Stdio.LOG).errors(ChildLauncher.Errors.WITH_OUTPUT);
        } else {
            launcher.stdio(ChildLauncher.Stdio.PIPE).errors(ChildLauncher.Errors.LOG);
        }
        ChildProcess child = new ChildProcess(launcher.start());
        LIVE.add(child);
        return child;
    }

    /**
     * The command that runs {@link ChildMain} in a new JVM from this JVM's class path. With a {@code classArchive}, the JVM writes a dynamic CDS archive of
     * the classes it loaded at exit, and later JVMs of the same role start from it: the second and
     * later rounds start their peers faster (Chronicle loads thousands of classes).
     */
    public static List<String> javaCommand(Path classArchive, List<String> jvmOptions, List<String> arguments) {
        List<String> options = new ArrayList<>();
        // A small serial heap: the peer allocates almost nothing, and GC threads would compete for 2 cores.
        options.add("-XX:+UseSerialGC");
        options.add("-Xms64m");
        options.add("-Xmx512m");
        options.add("-Xshare:auto");
        String classPath = System.getProperty("java.class.path");
        // Dynamic CDS archives only classes from jar files: with directories on the class path (a
        // build's target/classes) the dump fails, so then it is not asked for.
        boolean jarsOnly = java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
                .allMatch(e -> e.endsWith(".jar") && Files.isRegularFile(Path.of(e)));
        if (classArchive != null && jarsOnly) {
            options.add("-XX:+AutoCreateSharedArchive");
            options.add("-XX:SharedArchiveFile=" + classArchive);
            options.add("-Xlog:cds=off,cds+dynamic=off");
        }
        options.addAll(jvmOptions);
        // Extra options for every child JVM, e.g. -Dshm4j.bench.childJvmOptions="-XX:+PrintCompilation".
        String extra = System.getProperty("shm4j.bench.childJvmOptions", "").strip();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return ChildLauncher.java(ChildMain.class).jvmOptions(options).arguments(arguments).command();
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last few kilobytes the child wrote to its log. */
    public String logTail() {
        String s = child.output();
        return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    }

    /**
     * Waits for the child to exit and returns its exit code.
     *
     * @throws SessionAbortedException if it is still running after {@code timeout} (it is then killed)
     */
    public int waitFor(Duration timeout) throws SessionAbortedException {
        try {
            OptionalInt code = child.awaitExit(timeout);
            if (code.isEmpty()) {
                kill();
                throw new SessionAbortedException(Kv.format("child did not exit", "child", child.description(),
                        "timeoutMillis", timeout.toMillis()));
            }
            return code.getAsInt();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new SessionAbortedException(Kv.format("interrupted waiting for child", "child", child.description()));
        }
    }

    /** Kills the child and everything it started with SIGKILL, and waits (bounded) for it to be gone. */
    public void kill() {
        child.kill();
    }

    @Override
    public void close() {
        child.close();
        LIVE.remove(this);
    }

    @Override
    public String toString() {
        return child.toString();
    }
}
