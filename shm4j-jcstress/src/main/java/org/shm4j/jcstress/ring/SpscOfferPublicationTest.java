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
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;

/**
 * Claim 4 (record publication, copying): a consumer that sees word0 = position | COMMITTED sees the
 * record's length, type and whole payload, and the record is delivered exactly once.
 */
@JCStressTest
@Description("offer() writes payload and word1, then word0 with release; poll() acquires word0. Fails if word0 were"
        + " stored first or plainly (a COMMITTED record with a stale payload or length), or if a record could be"
        + " delivered twice or lost.")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "not yet committed when polled; delivered afterwards")
@Outcome(id = "1, 42, 0", expect = ACCEPTABLE, desc = "delivered whole by the racing poll")
@Outcome(id = "1, -1, 0", expect = FORBIDDEN, desc = "delivered before its payload, length or type was visible")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or torn")
@State
public class SpscOfferPublicationTest {
    private final SpscRing ring = Rings.spsc(0);
    private final RingProducer producer = Rings.producer(ring);
    private final PublicationRace race = new PublicationRace(Rings.consumer(ring)::poll);
    private final MemorySegment payload = Payload.of(42);

    @Actor
    public void producer() {
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
