package org.shm4j.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.bench.harness.BenchLeaks;
import org.shm4j.bench.harness.Measurement;
import org.shm4j.bench.transport.NativePeer;
import org.shm4j.testkit.NoLeaks;

/**
 * The whole report, end to end, on a tiny budget: child JVMs (one through a driver JVM with
 * Agrona's flags), pipes, the C peer when gcc is here, every chart, no leftovers.
 */
@ExtendWith(NoLeaks.class)
class BenchSmokeTest {
    @TempDir
    Path out;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTinyReportMeasuresEveryKindOfTransportAndLeavesNothingBehind() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchReport.Outcome outcome;
        Path readme = out.resolve("README.md");
        Files.writeString(readme, "# title\n\n" + BenchReport.README_START + "\nold table\n" + BenchReport.README_END
                + "\n\nafter\n");
        try (PrintStream p = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            outcome = BenchReport.run(Budget.smoke(), out, List.of("c-spsc", "shm4j-spsc-spin", "agrona-1to1", "pipe"),
                    "smoke test", readme, p);
        }
        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(outcome.comparison().failures()).as(printed).isEmpty();
        assertThat(outcome.scaling().failures()).as(printed).isEmpty();

        List<String> expected = NativePeer.unavailable().isEmpty()
                ? List.of("shm-spin", "c-spsc", "shm4j-spsc-spin", "agrona-1to1", "pipe")
                : List.of("shm-spin", "shm4j-spsc-spin", "agrona-1to1", "pipe");
        assertThat(outcome.comparison().transports()).containsExactlyElementsOf(expected);
        for (String t : expected) {
            for (Measurement m : outcome.comparison().get(t, "pingpong/64")) {
                Measurement.Latency l = (Measurement.Latency) m;
                assertThat(l.histogram().getTotalCount()).as(t).isPositive();
                assertThat(l.histogram().getValueAtPercentile(50)).as(t).isPositive();
                // Java sides measure in slices and say how steady they were; the C peers do not.
                assertThat(l.stability().checked()).as(t).isEqualTo(!t.startsWith("c-"));
                assertThat(l.stability().figures()).as(t).hasSize(l.stability().slices());
            }
            for (Measurement m : outcome.comparison().get(t, "stream/64/p1")) {
                assertThat(((Measurement.Throughput) m).messagesPerSecond()).as(t).isPositive();
            }
        }
        assertThat(outcome.comparison().has("pipe", "stream/64/p2")).isTrue();
        assertThat(outcome.scaling().has("shm-spin", "pingpong/4096")).isTrue();

        String report = Files.readString(outcome.report());
        assertThat(report).contains("## Machine", "| `shm-spin` |", "| `pipe` |", "p50 vs baseline", "smoke test",
                "## Bulk copy bandwidth", "## View map + close", "steady p50", "*Steady*", "## Slices");
        String spliced = Files.readString(readme);
        assertThat(spliced).startsWith("# title\n\n" + BenchReport.README_START).endsWith(BenchReport.README_END
                + "\n\nafter\n").doesNotContain("old table").contains("| `shm4j-spsc-spin` |", "| `shm-spin` (baseline) |");
        assertThat(out.resolve("readme-table.md")).exists();
        assertThat(outcome.charts()).isNotEmpty();
        for (Path chart : outcome.charts()) {
            byte[] png = Files.readAllBytes(chart);
            assertThat(png.length).as(chart.toString()).isGreaterThan(1000);
            assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        }
        assertThat(out.resolve("create-map.png")).exists();
        assertThat(out.resolve("copy-bandwidth.png")).exists();

        assertThat(BenchLeaks.shmEntries()).isEmpty();
        assertThat(BenchLeaks.children()).isEmpty();
    }
}
