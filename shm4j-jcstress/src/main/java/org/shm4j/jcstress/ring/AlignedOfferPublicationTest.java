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
import org.shm4j.ring.RingOption;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;

/**
 * Claim 4 (record publication, with fillers): a producer that aligns records to cache lines writes
 * a filler record after each record; the record's release store publishes both, so a consumer that
 * sees the record also sees the filler's whole header and steps over it to the next record.
 */
@JCStressTest
@Description("With alignRecordsToCacheLines, offer() writes the filler's header with plain stores before the"
        + " record's release store of word0. Fails if the filler could be seen without its length (the consumer"
        + " would step to a wrong position and lose the second record) or a record delivered twice or torn.")
@Outcome(id = "0, 0, 2", expect = ACCEPTABLE, desc = "nothing committed when polled; both delivered afterwards")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the first delivered by the racing poll, the second after")
@Outcome(id = "2, 2, 0", expect = ACCEPTABLE, desc = "both delivered by the racing poll")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or torn")
@State
public class AlignedOfferPublicationTest {
    // 1 KiB: the two records and their fillers (128 bytes each) fit without a wrap.
    private final SpscRing ring = SpscRing.create(Rings.memory(1024), 1024, RingOption.alignRecordsToCacheLines());
    private final RingProducer producer = Rings.producer(ring);
    private final PublicationRace race = new PublicationRace(Rings.consumer(ring)::poll);
    private final MemorySegment first = Payload.of(1);
    private final MemorySegment second = Payload.of(2);

    @Actor
    public void producer() {
        producer.offer(Payload.TYPE, first);
        producer.offer(Payload.TYPE, second);
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
