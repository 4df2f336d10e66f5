package org.shm4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.shm4j.bench.harness.Transport;
import org.shm4j.bench.harness.Transports;
import org.shm4j.bench.report.BenchReport;
import org.shm4j.bench.report.Budget;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmarks jar's entry point.
 * <pre>
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar report --quick --out docs/bench --readme README.md
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar report --full --out docs/bench
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar jmh ViewLifecycle
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar list
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar ring throughput --runs 3   (RingBench)
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar sync event-blocking        (SyncHarness)
 * java -jar shm4j-bench/target/shm4j-benchmarks.jar RingOps -f 1     (anything else: JMH's arguments)
 * </pre>
 */
@Command(name = "shm4j-benchmarks", mixinStandardHelpOptions = true,
        description = "shm4j benchmarks: the cross-process report and the JMH suite.",
        subcommands = {Main.Report.class, Main.Jmh.class, Main.ListTransports.class,
                org.shm4j.bench.ring.RingBench.Command.class, org.shm4j.bench.sync.SyncHarness.Command.class})
public final class Main implements Callable<Integer> {

    private static final java.util.Set<String> OWN = java.util.Set.of("report", "jmh", "list", "ring", "sync", "-h",
            "--help", "-V", "--version", "help");

    /**
     * Runs a subcommand; any other first argument goes to JMH as before this entry point existed,
     * so {@code java -jar shm4j-benchmarks.jar RingOps -f 1} still works.
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && !OWN.contains(args[0])) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 2;
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Measure every transport against the baseline and write report.md and PNG charts.")
    static final class Report implements Callable<Integer> {
        @CommandLine.ArgGroup(exclusive = true)
        ModeOption mode = new ModeOption();

        static final class ModeOption {
            @Option(names = "--quick", description = "About 4 minutes: 3 rounds, short runs, few sizes (default).")
            boolean quick;

            @Option(names = "--full", description = "About 30 minutes: 5 rounds, longer runs, every size.")
            boolean full;
        }

        @Option(names = "--out", defaultValue = "docs/bench", description = "Directory for report.md and the charts (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--only", split = ",", description = "Only these transports (the baseline always runs), e.g. uds,c-spsc.")
        List<String> only = new ArrayList<>();

        @Option(names = "--rounds", description = "Rounds (runs of each figure); at least 3 for a median with a spread.")
        Integer rounds;

        @Option(names = "--readme", description = "Also rewrite the table between the bench-table markers of this "
                + "file (README.md) from this report.")
        Path readme;

        @Option(names = "--note", description = "A sentence added to the report's notes, e.g. about other load on the machine.")
        String note;

        @Override
        public Integer call() throws Exception {
            Budget budget = mode.full ? Budget.full() : Budget.quick();
            if (rounds != null) {
                budget = budget.withRounds(rounds);
            }
            for (String name : only) {
                if (Transports.byName(name).isEmpty()) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "unknown transport: " + name);
                }
            }
            BenchReport.run(budget, out, only, note, readme, System.out);
            return 0;
        }
    }

    @Command(name = "jmh", description = "Run JMH benchmarks of this jar; arguments are JMH's (try -h).")
    static final class Jmh implements Callable<Integer> {
        @CommandLine.Unmatched
        List<String> arguments = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(arguments.toArray(String[]::new));
            return 0;
        }
    }

    @Command(name = "list", description = "List the transports, the baseline first, and whether each can run here.")
    static final class ListTransports implements Callable<Integer> {
        @Override
        public Integer call() {
            for (Transport t : Transports.all()) {
                System.out.printf("%-12s %s%s%n", t.name(), t.description(),
                        t.unavailable().map(s -> " [unavailable: " + s + "]").orElse(""));
            }
            return 0;
        }
    }
}
