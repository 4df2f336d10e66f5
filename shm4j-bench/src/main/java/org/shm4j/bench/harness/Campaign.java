package org.shm4j.bench.harness;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs sessions of several transports in interleaved rounds, the baseline first in each round
 * ({@code A B C ... A B C ...}), so a ratio to the baseline compares runs made minutes apart at
 * most, on a machine whose load drifts. A transport that fails in a round is recorded with its
 * error and the campaign goes on.
 */
public final class Campaign {
    private final RunContext context;
    private final PrintStream log;

    public Campaign(RunContext context, PrintStream log) {
        this.context = context;
        this.log = log;
    }

    /**
     * Runs {@code rounds} rounds; in each, every transport of {@code plans} runs its plan once, in
     * the map's order.
     */
    public Results run(Map<Transport, List<Workload>> plans, int rounds) {
        Results results = new Results(rounds);
        for (Map.Entry<Transport, List<Workload>> e : plans.entrySet()) {
            Transport t = e.getKey();
            Optional<String> why = t.unavailable();
            if (why.isPresent()) {
                results.skipped.put(t.name(), why.get());
                log.println("skipped " + t.name() + ": " + why.get());
            } else {
                results.transports.add(t.name());
                results.descriptions.put(t.name(), t.description());
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<Transport, List<Workload>> e : plans.entrySet()) {
                Transport t = e.getKey();
                if (!results.transports.contains(t.name()) || e.getValue().isEmpty()) {
                    continue;
                }
                long start = System.nanoTime();
                try {
                    List<Measurement> measured = t.run(e.getValue(), context);
                    for (Measurement m : measured) {
                        results.put(t.name(), m.workload().key(), round, m);
                    }
                    if (context.verbose()) {
                        log.printf("round %d %-12s %5.1f s (%s)%n", round + 1, t.name(),
                                (System.nanoTime() - start) / 1e9, java.time.LocalTime.now().withNano(0));
                    }
                } catch (IOException | RuntimeException ex) {
                    results.failures.computeIfAbsent(t.name(), k -> new ArrayList<>()).add("round " + (round + 1)
                            + ": " + ex.getMessage());
                    log.println("round " + (round + 1) + " " + t.name() + " FAILED: " + ex.getMessage());
                }
            }
        }
        return results;
    }

    /** What a campaign measured: per transport, per workload key, one measurement per round (null if it failed). */
    public static final class Results {
        private final int rounds;
        final List<String> transports = new ArrayList<>();
        final Map<String, String> descriptions = new LinkedHashMap<>();
        final Map<String, String> skipped = new LinkedHashMap<>();
        final Map<String, List<String>> failures = new LinkedHashMap<>();
        private final Map<String, Map<String, Measurement[]>> data = new LinkedHashMap<>();

        Results(int rounds) {
            this.rounds = rounds;
        }

        void put(String transport, String key, int round, Measurement m) {
            data.computeIfAbsent(transport, k -> new LinkedHashMap<>()).computeIfAbsent(key, k -> new Measurement[rounds])[round] = m;
        }

        public int rounds() {
            return rounds;
        }

        /** Transports that ran (maybe failing in some rounds), in plan order. */
        public List<String> transports() {
            return List.copyOf(transports);
        }

        public String description(String transport) {
            return descriptions.getOrDefault(transport, "");
        }

        /** Transports that could not run here, with the reason. */
        public Map<String, String> skipped() {
            return Map.copyOf(skipped);
        }

        public Map<String, List<String>> failures() {
            return Map.copyOf(failures);
        }

        /** One entry per round, null where that round failed; empty if the transport never ran it. */
        public List<Measurement> get(String transport, String key) {
            Measurement[] m = data.getOrDefault(transport, Map.of()).get(key);
            return m == null ? List.of() : java.util.Arrays.asList(m.clone());
        }

        public boolean has(String transport, String key) {
            return get(transport, key).stream().anyMatch(java.util.Objects::nonNull);
        }
    }
}
