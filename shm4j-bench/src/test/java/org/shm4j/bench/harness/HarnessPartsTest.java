package org.shm4j.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.NoLeaks;

@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HarnessPartsTest {
    @TempDir
    Path dir;

    @Test
    void spreadIsTheMedianWithTheExtremesIgnoringMissingRuns() {
        Spread s = Spread.of(3, Double.NaN, 1, 10);
        assertThat(s.median()).isEqualTo(3);
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.max()).isEqualTo(10);
        assertThat(s.runs()).isEqualTo(3);
        assertThat(Spread.of(1, 2, 3, 4).median()).isEqualTo(2.5);
        assertThat(Spread.of(Double.NaN).isEmpty()).isTrue();
    }

    @Test
    void workloadsSurviveTheCommandLine() {
        Workload w = Workload.stream(4096, 4, Duration.ofMillis(5), Duration.ofMillis(7));
        assertThat(Workload.parse(w.format())).isEqualTo(w);
        assertThat(w.key()).isEqualTo("stream/4096/p4");
        assertThat(Spec.parse(new Spec(100, 3).format())).isEqualTo(new Spec(100, 3));
        assertThatThrownBy(() -> Workload.pingPong(4, Duration.ZERO, Duration.ofMillis(1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("messageBytes=4");
        assertThatThrownBy(() -> Workload.parse("PING_PONG/64")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void driverResultsRoundTripHistogramsAndRejectOtherWorkloads() throws IOException {
        Workload w = Workload.pingPong(64, Duration.ZERO, Duration.ofMillis(1), 10);
        Histogram h = new Histogram(3);
        h.recordValue(1200);
        h.recordValue(250_000);
        Measurement decoded = Driver.decode(Driver.encode(new Measurement.Latency(w, h)), w);
        assertThat(((Measurement.Latency) decoded).histogram()).isEqualTo(h);
        Workload other = Workload.pingPong(128, Duration.ZERO, Duration.ofMillis(1), 10);
        assertThatThrownBy(() -> Driver.decode(Driver.encode(new Measurement.Latency(w, h)), other))
                .isInstanceOf(IOException.class).hasMessageContaining("another workload");
        assertThatThrownBy(() -> Driver.decode("LATENCY " + w.format() + " !!!", w)).isInstanceOf(IOException.class);
    }

    @Test
    void driverResultsCarryHowSteadyTheSlicesWere() throws IOException {
        Workload w = Workload.stream(64, 1, Duration.ZERO, Duration.ofMillis(1));
        Measurement.Stability s = new Measurement.Stability(4, false, 1.42, 1_200_000_000L,
                java.util.List.of(1.0e6, 1.2e6, 1.42e6, 1.1e6));
        Measurement decoded = Driver.decode(Driver.encode(new Measurement.Throughput(w, 1000, 2000, s)), w);
        assertThat(decoded.stability()).isEqualTo(s);
        assertThat(Measurement.Stability.UNCHECKED.checked()).isFalse();
        assertThat(Measurement.Stability.parse(Measurement.Stability.UNCHECKED.format()))
                .isEqualTo(Measurement.Stability.UNCHECKED);
    }

    @Test
    void aSpreadIsTheLargestSliceOverTheSmallest() {
        assertThat(Session.spread(new double[] {100, 110, 105, 100})).isEqualTo(1.1);
        assertThat(Session.spread(new double[] {0, 100})).isInfinite();
        assertThat(Session.spread(new double[] {})).isEqualTo(1.0);
    }

    @Test
    void anAbortedWaiterStopsASpinLoop() {
        Waiter waiter = Waiter.unbounded();
        waiter.abort("test");
        assertThatThrownBy(() -> {
            while (true) {
                waiter.spin();
            }
        }).isInstanceOf(SessionAbortedException.class).hasMessage("test");
    }

    @Test
    void closingAChildKillsItAndEverythingItStarted() throws IOException {
        ChildProcess child = ChildProcess.start(List.of("sh", "-c", "sleep 60 & sleep 60"), ChildProcess.Stdio.LOG,
                dir, "sleeper");
        ProcessHandle handle = child.process().toHandle();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (handle.descendants().findAny().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        List<ProcessHandle> grandchildren = handle.descendants().toList();
        child.close();
        assertThat(handle.isAlive()).isFalse();
        for (ProcessHandle g : grandchildren) {
            assertThat(g.onExit()).succeedsWithin(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void cpuListsParseRangesAndSingles() {
        assertThat(Cpus.parseList("0-2,5,7-8")).containsExactly(0, 1, 2, 5, 7, 8);
        assertThat(Cpus.allowed()).isNotEmpty();
    }
}
