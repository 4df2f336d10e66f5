package org.shm4j.cli.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.shm4j.process.Child;
import org.shm4j.process.ChildLauncher;

/**
 * {@code shm4j demo}, the parent's side: starts the peer JVM, runs each {@link DemoStep}'s parent
 * half, shows what the peer said, and cleans up everything it made even when a step fails.
 */
public final class Demo {
    /** The steps, in order; the peer runs the same list. */
    static final List<DemoStep> STEPS = List.of(new SharedSegmentStep(), new LockStep(), new RingStep());

    private final PrintWriter out;
    private final PrintStream err;
    private final UnaryOperator<String> bold;
    private final UnaryOperator<String> green;
    private final Duration timeout;

    public Demo(PrintWriter out, PrintStream err, UnaryOperator<String> bold, UnaryOperator<String> green,
            Duration timeout) {
        this.out = out;
        this.err = err;
        this.bold = bold;
        this.green = green;
        this.timeout = timeout;
    }

    /** What a step's parent half may use. */
    public final class Session {
        private final Process peer;
        private final Path peerOutput;
        private final long deadlineNanos;
        private final List<AutoCloseable> cleanups = new ArrayList<>();
        private int peerLinesShown;

        Session(Process peer, Path peerOutput, long deadlineNanos) {
            this.peer = peer;
            this.peerOutput = peerOutput;
            this.deadlineNanos = deadlineNanos;
        }

        /** The name prefix of everything this demo creates: unique to this process. */
        String namePrefix() {
            return "shm4j-demo-" + ProcessHandle.current().pid();
        }

        long peerPid() {
            return peer.pid();
        }

        /** Prints a line of the narrative as the parent. */
        void say(String text) {
            out.println(bold.apply("[parent " + ProcessHandle.current().pid() + "]") + " " + text);
            out.flush();
        }

        /** Prints the lines the peer wrote since the last call, as the peer. */
        void showPeer() throws IOException {
            List<String> lines = Files.readAllLines(peerOutput, StandardCharsets.UTF_8);
            for (int i = peerLinesShown; i < lines.size(); i++) {
                out.println(bold.apply("[peer   " + peer.pid() + "]") + " " + lines.get(i));
            }
            peerLinesShown = lines.size();
            out.flush();
        }

        /** Registers something to close or remove when the demo ends, in reverse order. */
        void onExit(AutoCloseable cleanup) {
            cleanups.add(cleanup);
        }

        /**
         * Fails when the deadline passed or the peer died: used inside every wait loop.
         *
         * @throws DemoFailure with the peer's output
         */
        void checkProgress(String waitingFor) throws IOException {
            if (!peer.isAlive()) {
                throw new DemoFailure("the peer exited (status " + peer.exitValue() + ") while the parent waited for "
                        + waitingFor + "; its output:\n" + Files.readString(peerOutput));
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new DemoFailure("timed out waiting for " + waitingFor + " after " + timeout.toSeconds()
                        + " s; the peer's output:\n" + Files.readString(peerOutput));
            }
        }
    }

    /** A step could not complete; the message says why. */
    static final class DemoFailure extends IOException {
        private static final long serialVersionUID = 1L;

        DemoFailure(String message) {
            super(message);
        }
    }

    /** Runs the demo; returns 0 when every step worked, 1 otherwise (with the reason on standard error). */
    public int run() throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        out.println(bold.apply("shm4j demo") + ": two processes share memory through /dev/shm");
        out.println();
        Child child = peerLauncher().start();
        Process peer = child.process();
        Path peerOutput = child.log().orElseThrow();
        Session session = new Session(peer, peerOutput, deadline);
        try {
            session.say("started a peer process, pid " + peer.pid() + ": a second JVM running "
                    + DemoPeer.class.getName());
            for (DemoStep step : STEPS) {
                step.parent(session);
            }
            if (child.awaitExit(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()))).isEmpty()) {
                throw new DemoFailure("the peer did not exit; its output:\n" + Files.readString(peerOutput));
            }
            session.showPeer();
            if (peer.exitValue() != 0) {
                throw new DemoFailure("the peer failed with status " + peer.exitValue() + "; its output:\n"
                        + Files.readString(peerOutput));
            }
        } catch (DemoFailure e) {
            err.println("shm4j: demo failed: " + e.getMessage());
            return 1;
        } finally {
            if (peer.isAlive()) {
                child.kill();
            }
            for (int i = session.cleanups.size() - 1; i >= 0; i--) {
                try {
                    session.cleanups.get(i).close();
                } catch (Exception e) {
                    err.println("shm4j: demo cleanup failed: " + e.getMessage());
                }
            }
            child.close();
        }
        out.println();
        out.printf("%s: both directions worked in %.1f s. Next: shm4j ls, shm4j create NAME --size 1M, "
                + "shm4j put NAME < file, shm4j dump NAME%n", green.apply("done"), (System.nanoTime() - start) / 1e9);
        out.flush();
        return 0;
    }

    /**
     * The same java, the same jars (module path when running as a module, class path otherwise),
     * output and errors into a log that {@link Session#showPeer()} reads.
     */
    private static ChildLauncher peerLauncher() {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(ProcessHandle.current().pid()));
        for (DemoStep step : STEPS) {
            args.add(step.id());
        }
        // A short-lived peer: C1 only and the serial collector start fastest.
        return ChildLauncher.java(DemoPeer.class)
                .jvmOptions(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"))
                .arguments(args).stdio(ChildLauncher.Stdio.LOG).errors(ChildLauncher.Errors.WITH_OUTPUT)
                .description("demo peer");
    }
}
