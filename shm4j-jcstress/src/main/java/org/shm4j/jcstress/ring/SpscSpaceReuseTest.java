package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;

/**
 * Claims 3 and 5 (back-pressure, consumption): the consumer stores head with release after its
 * handler has read the records below it, and the producer loads head with acquire before it writes,
 * so a producer never overwrites a record the consumer is still reading; while head has not moved,
 * the full ring refuses the record.
 */
@JCStressTest
@Description("Records 1..3 fill the ring; the fourth fits only in record 1's space, once record 1 is consumed. The"
        + " consumer's handler reads record 1 while the producer offers record 4. Fails if head were stored before"
        + " the handler's reads (or plainly), or if the producer did not wait for head: the handler would see 4, or"
        + " a mix.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "ring still full: offer refused; record 1 read whole")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "record 4 written into the freed space after record 1 was read")
@Outcome(id = {"1, 4", "1, -1", "0, 4", "0, -1"}, expect = FORBIDDEN, desc = "record 1 overwritten while read")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class SpscSpaceReuseTest {
    private final SpscRing ring = Rings.spsc(0);
    private final RingProducer producer = Rings.producer(ring);
    private final RingConsumer consumer = Rings.consumer(ring);
    private final MemorySegment fourth = Payload.of(4);
    private final Tally tally = new Tally();

    public SpscSpaceReuseTest() {
        // 3 x 80 bytes: 16 bytes left, and a record needs 80 (plus 16 of padding to wrap).
        for (int value = 1; value <= 3; value++) {
            if (!producer.offer(Payload.TYPE, Payload.of(value))) {
                throw new IllegalStateException("ring full after " + (value - 1) + " records");
            }
        }
    }

    @Actor
    public void producer(II_Result r) {
        r.r1 = producer.offer(Payload.TYPE, fourth) ? 1 : 0;
    }

    @Actor
    public void consumer(II_Result r) {
        // Limit 1: head moves past record 1 only, the space record 4 needs.
        consumer.poll(tally, 1);
        r.r2 = tally.value();
    }
}
