package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.shm4j.ring.RingClaim;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Claims 4 and 6 (a claim's length is published with CLAIMED; stalled producers): a consumer that
 * finds the head blocked by a claim, or by reserved space without a header, steps over exactly that
 * record after its skip timeout (zero here) and reports one loss; a commit after the skip is lost
 * rather than delivered.
 */
@JCStressTest
@Description("A producer claims 64 bytes and fills them but commits only after the consumer has polled 2048 times"
        + " with a zero skip timeout. Fails if word1 (the length) were not visible with CLAIMED (the consumer would"
        + " skip by a stale length and stop inside the record), or if the late commit were delivered after the"
        + " skip.")
@Outcome(id = "1, 42, 0, 80", expect = ACCEPTABLE, desc = "not skipped: delivered once committed")
@Outcome(id = "0, 0, 1, 80", expect = ACCEPTABLE, desc = "skipped while claimed (one loss); the late commit is lost")
@Outcome(id = "0, 0, 1, 16", expect = FORBIDDEN, desc = "skipped by a stale length")
@Outcome(id = "1, 42, 1, 80", expect = FORBIDDEN, desc = "skipped and delivered")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class SpscClaimSkipTest {
    /**
     * The consumer looks for a blocked head once per 1024 empty polls and, with a zero timeout,
     * skips at the second look that finds the same head blocked.
     */
    private static final int POLLS = 2 * 1024;
    private final SpscRing ring = Rings.spsc(0);
    private final RingProducer producer = Rings.producer(ring);
    private final RingConsumer consumer = Rings.consumer(ring, WaitStrategy.busySpin(), Duration.ZERO);
    private final Tally tally = new Tally();
    private RingClaim claim;

    @Actor
    public void producer() {
        RingClaim c = producer.tryClaim(Payload.TYPE, Payload.LENGTH);
        Payload.fill(c.segment(), 42);
        claim = c; // committed by the arbiter: the producer stalls past the consumer's skip timeout
    }

    @Actor
    public void consumer() {
        for (int i = 0; i < POLLS && tally.lost == 0; i++) {
            consumer.poll(tally);
        }
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        claim.commit();
        consumer.poll(tally);
        r.r1 = tally.records;
        r.r2 = tally.value();
        r.r3 = (int) tally.lost;
        r.r4 = (int) consumer.position(); // the record ends at 80: its header is 16 bytes, its payload 64
    }
}
