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
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;

/**
 * Claim 2 (reservation): MPSC producers take their space with a CAS on tail, so two producers racing
 * get disjoint records, including when one of them must wrap behind a padding record.
 */
@JCStressTest
@Description("Two producers offer 1 and 2 at once into a ring whose tail is 96 bytes before the end (and before"
        + " 2^64): one record fits, the other wraps. Fails if the reservation were not atomic (a load and a store"
        + " of tail): both records would land on the same bytes.")
@Outcome(id = "1, 1, 2, 6", expect = ACCEPTABLE, desc = "both offers taken, both records delivered whole")
@Outcome(expect = FORBIDDEN, desc = "an offer refused, or a record lost, overwritten or torn")
@State
public class MpscReservationTest {
    private static final long START = -96;
    private final MpscRing ring = Rings.mpsc(START);
    private final RingProducer producer1 = Rings.producer(ring);
    private final RingProducer producer2 = Rings.producer(ring);
    private final RingConsumer consumer = Rings.consumer(ring);
    private final MemorySegment one = Payload.of(1);
    private final MemorySegment two = Payload.of(2);
    private final Tally tally = new Tally();

    @Actor
    public void producer1(IIII_Result r) {
        r.r1 = producer1.offer(Payload.TYPE, one) ? 1 : 0;
    }

    @Actor
    public void producer2(IIII_Result r) {
        r.r2 = producer2.offer(Payload.TYPE, two) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        consumer.poll(tally);
        r.r3 = tally.records;
        r.r4 = tally.torn ? Payload.TORN : tally.seen; // values 1 and 2: bits 1 and 2, 6
    }
}
