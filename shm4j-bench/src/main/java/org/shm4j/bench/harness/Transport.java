package org.shm4j.bench.harness;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A way of moving messages between two processes, measured by the harness. A transport is a pair
 * of endpoints: the harness side (in this JVM, or for transports that need JVM flags or are
 * written in C, in a child process that measures itself) and the peer side in a child process.
 *
 * <p>Most transports extend {@link JvmTransport} (both sides in Java) or
 * {@link SegmentTransport} (both sides over one shm4j segment); {@link Transports} lists them all.
 */
public interface Transport {

    /** Short, stable name used on the command line and in the report ({@code shm-spin}, {@code uds}). */
    String name();

    /** One line for the report: what is measured and how. */
    String description();

    /** Why this transport cannot run here (gcc missing, say), or empty when it can. */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /** The most peer threads that may send at once; 1 for single-producer transports. */
    default int maxProducers() {
        return 1;
    }

    /** Whether it can run {@code workload} (the pattern, the size, the number of producers). */
    default boolean supports(Workload workload) {
        return workload.producers() <= maxProducers();
    }

    /**
     * Runs one session: starts the peer, runs every workload of {@code plan} in order, stops the
     * peer, and removes every resource it made, on every path.
     *
     * @throws SessionAbortedException if the session overran its budget or the peer died
     */
    List<Measurement> run(List<Workload> plan, RunContext context) throws IOException;
}
