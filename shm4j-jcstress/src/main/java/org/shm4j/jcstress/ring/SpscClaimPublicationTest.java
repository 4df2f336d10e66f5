package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

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
 * Claim 4 (record publication, zero copy): a claimed record is never delivered; once committed, a
 * consumer that sees COMMITTED sees everything written into the claim's segment before commit().
 */
@JCStressTest
@Description("tryClaim() publishes word0 = CLAIMED, the caller fills the segment in place, commit() stores word0 ="
        + " COMMITTED with release. Fails if a CLAIMED record were delivered, or if commit() did not order the"
        + " caller's writes before the state change.")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "claimed or not yet committed when polled; delivered afterwards")
@Outcome(id = "1, 42, 0", expect = ACCEPTABLE, desc = "delivered whole by the racing poll")
@Outcome(id = "1, -1, 0", expect = FORBIDDEN, desc = "delivered before commit, or without the bytes filled in")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or torn")
@State
public class SpscClaimPublicationTest {
    private final SpscRing ring = Rings.spsc(0);
    private final RingProducer producer = Rings.producer(ring);
    private final PublicationRace race = new PublicationRace(Rings.consumer(ring)::poll);

    @Actor
    public void producer() {
        RingClaim claim = producer.tryClaim(Payload.TYPE, Payload.LENGTH);
        Payload.fill(claim.segment(), 42);
        claim.commit();
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
