package org.shm4j.bench.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The entry point of child JVMs the harness starts; not for people. Its arguments are positional and
 * written by {@link JvmTransport} and {@link Driver} only:
 * <pre>
 * peer   TRANSPORT SPEC BUDGET_NANOS PEER_CPU PEER_ARGUMENTS...
 * driver TRANSPORT RESULT_FILE BUDGET_NANOS HARNESS_CPU PEER_CPU WORK_DIR WORKLOAD...
 * </pre>
 * Exit status 0 means the session completed; a failure prints its stack trace to the log and exits 1.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        try {
            JvmTransport transport = Transports.jvm(args[1]);
            switch (args[0]) {
                case "peer" -> {
                    Watchdog.guardChild(Long.parseLong(args[3]));
                    int cpu = Integer.parseInt(args[4]);
                    if (cpu >= 0) {
                        // Only the thread that spins (and producer threads it starts, which inherit
                        // its affinity); the JIT and GC threads stay free to use any CPU.
                        Cpus.pinCurrentThread(cpu);
                    }
                    transport.runPeer(Spec.parse(args[2]), List.of(args).subList(5, args.length));
                }
                case "driver" -> {
                    List<Workload> plan = new ArrayList<>();
                    for (int i = 7; i < args.length; i++) {
                        plan.add(Workload.parse(args[i]));
                    }
                    Driver.main(transport, Path.of(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]),
                            Integer.parseInt(args[5]), Path.of(args[6]), plan);
                }
                default -> throw new IllegalArgumentException("unknown child role: " + args[0]);
            }
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }
}
