package org.shm4j.bench.ring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The verdicts of {@code ring agree} and {@code ring warmup}, on figures given to them. */
class AgreementTest {
    @Test
    void ratiosWithinTheToleranceAgreeAndFarApartOnesDoNot() {
        assertThat(new Agreement.Check("throughput", 1.20, 1.16).agrees()).isTrue();
        assertThat(new Agreement.Check("throughput", 0.9, 1.3).agrees()).isTrue();
        // What the report and RingBench said before issue 13: 0.39x the baseline against 1.2x Agrona.
        assertThat(new Agreement.Check("throughput", 0.39, 1.2).agrees()).isFalse();
        assertThat(new Agreement.Check("round-trip p50", 23.7, 1.07).agrees()).isFalse();
        assertThat(new Agreement.Check("round-trip p50", 0, 1.07).agrees()).isFalse();
        assertThat(new Agreement.Check("round-trip p50", Double.NaN, 1.07).agrees()).isFalse();
    }

    @Test
    void steadyStateStartsAtTheFirstSliceAfterWhichNoneExceedsTheFactorOfTheFinalP50() {
        long[] timeline = {27_000, 21_000, 8_000, 3_700, 1_300, 1_000, 1_250, 990, 1_000, 1_010, 980, 1_000};
        assertThat(WarmupTimeline.finalP50(timeline)).isEqualTo(1_000);
        // Slice 6 (1250 ns) exceeds 1.2 x 1000, so steady state starts at slice 7.
        assertThat(WarmupTimeline.steadyAfterMillis(timeline)).isEqualTo(700);
        assertThat(WarmupTimeline.steadyAfterMillis(new long[] {500, 500, 500, 500, 500})).isZero();
    }
}
