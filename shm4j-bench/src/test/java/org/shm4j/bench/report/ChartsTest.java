package org.shm4j.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.NoLeaks;

@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChartsTest {
    @TempDir
    Path dir;

    @Test
    void percentilePlotsOfLongTailedHistogramsAreDrawn() throws Exception {
        Random random = new Random(1);
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        for (String name : List.of("fast", "slow")) {
            Histogram h = new Histogram(3);
            h.setAutoResize(true);
            for (int i = 0; i < 3_000_000; i++) {
                // Mostly a few hundred ns, a tail up to tens of milliseconds.
                h.recordValue(name.equals("fast") ? 200 + random.nextInt(100) : 20_000 + random.nextInt(5000));
            }
            h.recordValue(45_000_000);
            histograms.put(name, h);
        }
        Path file = dir.resolve("p.png");
        Charts.percentiles(file, "test", histograms);
        assertThat(Files.size(file)).isGreaterThan(1000);
    }

    @Test
    void logLogAndBarChartsSkipMissingFigures() throws Exception {
        Charts.logLog(dir.resolve("l.png"), "t", "x", "y", List.of(new Charts.Series("a", new double[] {8, 64, 65536},
                new double[] {1, Double.NaN, 100}), new Charts.Series("empty", new double[0], new double[0])));
        Charts.groupedBars(dir.resolve("g.png"), "t", "x", "y", List.of("a", "b"),
                Map.of("p50", List.of(0.3, Double.NaN), "p99", List.of(2.0, 80.0)), true);
        Charts.bars(dir.resolve("b.png"), "t", "y", List.of("a", "b"), List.of(1.0, Double.NaN));
        for (String f : List.of("l.png", "g.png", "b.png")) {
            assertThat(Files.size(dir.resolve(f))).isGreaterThan(1000);
        }
    }
}
