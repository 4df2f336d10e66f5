package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.shm4j.ring.RingClaim;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;

/**
 * Claim 4 (ABORTED is published like COMMITTED): the consumer steps over an aborted claim without
 * delivering it, and delivers the record after it whole.
 */
@JCStressTest
@Description("A claim filled with 13 and aborted, then an offer of 42. Fails if the consumer delivered the aborted"
        + " record, stepped over it before its length was visible, or lost the record after it.")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "nothing ready when polled; 42 delivered afterwards")
@Outcome(id = "1, 42, 0", expect = ACCEPTABLE, desc = "aborted claim stepped over, 42 delivered by the racing poll")
@Outcome(id = {"1, 13, 1", "2, 42, 0"}, expect = FORBIDDEN, desc = "aborted record delivered")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or torn")
@State
public class SpscAbortTest {
    private final SpscRing ring = Rings.spsc(0);
    private final RingProducer producer = Rings.producer(ring);
    private final PublicationRace race = new PublicationRace(Rings.consumer(ring)::poll);
    private final MemorySegment payload = Payload.of(42);

    @Actor
    public void producer() {
        RingClaim claim = producer.tryClaim(Payload.TYPE, Payload.LENGTH);
        Payload.fill(claim.segment(), 13);
        claim.abort();
        producer.offer(Payload.TYPE, payload);
    }

    @Actor
    public void consumer(III_Result r) {
        race.racingPoll(r);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        race.finalPoll(r);
    }
}
