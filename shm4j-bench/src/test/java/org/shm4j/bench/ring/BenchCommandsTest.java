package org.shm4j.bench.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shm4j.bench.sync.SyncHarness;
import picocli.CommandLine;

/** RingBench and SyncHarness parse their arguments with picocli, as subcommands of the benchmark tool. */
class BenchCommandsTest {
    @Test
    void ringArgumentsAreParsedWithDashedPartNames() {
        RingBench.Command c = new RingBench.Command();
        new CommandLine(c).parseArgs("throughput-interleaved", "--runs", "2", "--cases", "spsc,mpsc2");
        assertThat(c.part).isEqualTo(RingBench.Part.throughput_interleaved);
        assertThat(c.runs).isEqualTo(2);
        assertThat(c.cases).containsExactly("spsc", "mpsc2");
        RingBench.Command defaults = new RingBench.Command();
        new CommandLine(defaults).parseArgs();
        assertThat(defaults.part).isEqualTo(RingBench.Part.all);
        assertThat(defaults.messages).isEqualTo(10_000_000L);
    }

    @Test
    void unknownPartsCasesAndModesAreUsageErrorsNamingTheValidOnes() {
        assertThat(run(new RingBench.Command(), "warp")).contains("unknown part: warp", "pingpong-vs-raw");
        assertThat(run(new RingBench.Command(), "throughput", "--cases", "spsc,nope")).contains("unknown case: nope");
        assertThat(run(new SyncHarness.Command(), "teleport")).contains("unknown mode: teleport", "event-blocking");
    }

    @Test
    void theBenchmarkToolHasRingAndSyncSubcommands() {
        CommandLine tool = new CommandLine(new org.shm4j.bench.Main());
        assertThat(tool.getSubcommands().keySet()).contains("ring", "sync", "report", "jmh", "list");
        assertThat(List.copyOf(tool.getSubcommands().get("sync").getSubcommands().keySet())).containsExactly("child");
    }

    private static String run(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command).setErr(new PrintWriter(err));
        assertThat(cl.execute(args)).isEqualTo(2);
        return err.toString();
    }
}
