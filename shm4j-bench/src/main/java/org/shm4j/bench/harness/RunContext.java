package org.shm4j.bench.harness;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where and how sessions run.
 *
 * @param harnessCpu the CPU the measuring thread is pinned to, if pinning is possible
 * @param peerCpu the CPU the peer process is pinned to, if pinning is possible
 * @param workDirectory a private directory for sockets, logs, compiled peers and result files
 * @param verbose whether to print each session's progress
 */
public record RunContext(Optional<Integer> harnessCpu, Optional<Integer> peerCpu, Path workDirectory,
        boolean verbose) {

    /** Pins the measuring thread and the peer to the first two CPUs this process may use, when there are two. */
    public static RunContext pinned(Path workDirectory, boolean verbose) {
        var cpus = Cpus.allowed();
        if (cpus.size() >= 2 && Cpus.canPin()) {
            return new RunContext(Optional.of(cpus.get(0)), Optional.of(cpus.get(1)), workDirectory, verbose);
        }
        return new RunContext(Optional.empty(), Optional.empty(), workDirectory, verbose);
    }

    /** A human-readable statement of the pinning, for the report. */
    public String pinningDescription() {
        if (harnessCpu.isEmpty()) {
            return "not pinned (fewer than 2 CPUs allowed, or no taskset)";
        }
        return "the harness's measuring thread on CPU " + harnessCpu.get() + ", the peer's on CPU "
                + peerCpu.orElseThrow() + " (taskset on the thread; JIT and GC threads unpinned; C peers pin "
                + "their processes)";
    }
}
