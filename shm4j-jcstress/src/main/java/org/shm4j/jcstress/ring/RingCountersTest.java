package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;

/**
 * Claim 9 (counters): a counter has one writer, which stores it opaque after each record, and
 * readers load it opaque, so a monitor sees it move only forward and never a value not written.
 */
@JCStressTest
@Description("A producer offers two records while a monitor loads messagesWritten twice. Fails if the producer"
        + " stored the counter other than once per record, in order (a later load showing fewer messages), or"
        + " stored a value it never counted.")
@Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 1", "1, 2", "2, 2"}, expect = ACCEPTABLE, desc = "never backwards")
@Outcome(id = {"1, 0", "2, 0", "2, 1"}, expect = FORBIDDEN, desc = "counter went backwards")
@Outcome(expect = FORBIDDEN, desc = "a count never written")
@State
public class RingCountersTest {
    /**
     * messagesWritten in the published layout. The monitor loads the word as the C and Python
     * readers do: RingStats.read also reads /proc for the liveness of creator and producer, a
     * hundred times the producer's work, so its loads would almost never overlap the stores.
     */
    private static final long MESSAGES_WRITTEN = 0x90;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private final MemorySegment mem = Rings.memory();
    private final SpscRing ring = SpscRing.create(mem, Rings.CAPACITY);
    private final RingProducer producer = Rings.producer(ring);
    private final MemorySegment payload = Payload.of(1);

    @Actor
    public void producer() {
        producer.offer(Payload.TYPE, payload);
        producer.offer(Payload.TYPE, payload);
    }

    @Actor
    public void monitor(II_Result r) {
        r.r1 = (int) (long) LONG.getOpaque(mem, MESSAGES_WRITTEN);
        r.r2 = (int) (long) LONG.getOpaque(mem, MESSAGES_WRITTEN);
    }
}
