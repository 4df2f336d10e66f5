package org.shm4j.bench.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A transport whose both sides are Java: the harness side {@link #listen}s (makes resources), the
 * peer, a child JVM started from the same class path, {@link #connect}s. The generic loops
 * ({@link Session}, {@link PeerLoop}) do the measuring; a subclass only moves bytes.
 *
 * <p>Every transport runs its harness side in a fresh child "driver" JVM, started with the
 * transport's {@link #jvmOptions()} (for example Agrona's {@code --add-exports}): both sides of every
 * session start cold, so no transport inherits code the report JVM compiled for another channel,
 * and the JVM that runs the report never needs any transport's flags. The driver measures and hands
 * back its histograms.
 */
public abstract class JvmTransport implements Transport {
    /** Time allowed for JVM start-up and connecting, on top of the workloads' budgets. */
    private static final long STARTUP_NANOS = Duration.ofSeconds(30).toNanos();

    private final String name;
    private final String description;

    protected JvmTransport(String name, String description) {
        this.name = Objects.requireNonNull(name, "name");
        this.description = Objects.requireNonNull(description, "description");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    /** Harness side: makes what the peer will open; never blocks on the peer. */
    protected abstract Listener listen(Spec spec, Path workDirectory, Waiter waiter) throws IOException;

    /** Peer side, in the child JVM: opens what {@link #listen} made, from its {@link Listener#peerArguments()}. */
    protected abstract Channel connect(Spec spec, List<String> arguments, Waiter waiter) throws IOException;

    /** JVM options both sides need (the driver JVM and the peer JVM). */
    public List<String> jvmOptions() {
        return List.of();
    }

    /** Whether the peer's standard input and output are the link (the pipe transport). */
    protected boolean usesPeerStdio() {
        return false;
    }

    @Override
    public final List<Measurement> run(List<Workload> plan, RunContext context) throws IOException {
        return Driver.runInChildJvm(this, plan, context, budgetNanos(plan));
    }

    static long budgetNanos(List<Workload> plan) {
        return plan.stream().mapToLong(Workload::budgetNanos).sum() + STARTUP_NANOS;
    }

    /** Runs the session with the harness side in this JVM, on the calling thread (in the driver JVM, or a test). */
    final List<Measurement> runHere(List<Workload> plan, RunContext context) throws IOException {
        Spec spec = Spec.of(plan);
        long budget = budgetNanos(plan);
        Waiter waiter = Waiter.withBudget(budget);
        context.harnessCpu().ifPresent(Cpus::pinCurrentThread);
        try (Listener listener = listen(spec, context.workDirectory(), waiter)) {
            List<String> arguments = new ArrayList<>(List.of("peer", name, spec.format(), Long.toString(budget),
                    Integer.toString(context.peerCpu().orElse(-1))));
            arguments.addAll(listener.peerArguments());
            List<String> command = ChildProcess.javaCommand(context.workDirectory().resolve("cds-" + name + "-peer.jsa"),
                    jvmOptions(), arguments);
            try (ChildProcess peer = ChildProcess.start(command,
                    usesPeerStdio() ? ChildProcess.Stdio.PIPE : ChildProcess.Stdio.LOG, context.workDirectory(),
                    name + "-peer");
                    Watchdog _ = Watchdog.start(waiter, peer, budget)) {
                try {
                    List<Measurement> results;
                    try (Channel channel = listener.accept(peer, waiter)) {
                        results = Session.run(channel, plan, spec, waiter);
                    }
                    int exit = peer.waitFor(Duration.ofSeconds(20));
                    if (exit != 0) {
                        throw new IOException(Kv.format("peer failed", "transport", name, "exitCode", exit));
                    }
                    return results;
                } catch (IOException | RuntimeException e) {
                    peer.kill();
                    throw new IOException(Kv.format("session failed", "transport", name, "cause", e.toString())
                            + "\n--- peer log ---\n" + peer.logTail(), e);
                }
            }
        }
    }

    /** Peer side entry, called by {@link ChildMain} in the child JVM. */
    final void runPeer(Spec spec, List<String> arguments) throws IOException {
        try (Channel channel = connect(spec, arguments, Waiter.unbounded())) {
            PeerLoop.run(channel, spec);
        }
    }
}
