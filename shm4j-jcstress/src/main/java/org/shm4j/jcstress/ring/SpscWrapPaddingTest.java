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
 * Claim 4 (PADDING is published like a record) with the layout rule that records never cross the
 * end of the data region: a record that does not fit before the end is preceded by a padding
 * record, and a consumer racing the producer follows the padding to the record at offset 0 and
 * delivers it whole, also where the positions cross 2^64.
 */
@JCStressTest
@Description("Ring starts 16 bytes before the end of its data region, at position -16: the 80-byte record wraps"
        + " (padding at -16, record at 0). Fails if the padding were not published (the consumer stalls: record"
        + " lost), published without its own position, or if the record were split or read before it is committed.")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "not yet committed when polled; delivered afterwards")
@Outcome(id = "1, 42, 0", expect = ACCEPTABLE, desc = "padding followed, record delivered whole by the racing poll")
@Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "record lost behind the padding")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or torn")
@State
public class SpscWrapPaddingTest {
    /** 16 bytes before the end of the 256-byte data region, and 16 bytes before 2^64. */
    private static final long START = -16;
    private final SpscRing ring = Rings.spsc(START);
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
