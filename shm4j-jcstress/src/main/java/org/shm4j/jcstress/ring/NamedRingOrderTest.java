package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.shm4j.SharedMemory;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Claim 4 on the constant-segment path: a ring created by name and opened by name again (so the
 * producer and the consumer reach it by absolute address through the global segment,
 * {@code org.shm4j.internal.block.Absolute}) publishes records in order and whole. The producer
 * offers records 1 then 2; a consumer on the other handle polls while it does, and the arbiter
 * polls what is left. The ring starts 16 bytes before the end of its 256-byte data region, so the
 * first record wraps behind a padding record.
 */
@JCStressTest
@Description("Named SPSC ring, absolute addressing: offer(1), offer(2) against a racing poll. Fails if a record were"
        + " delivered before its payload was visible (torn), out of order, twice, or lost.")
@Outcome(id = "0, 0, 2", expect = ACCEPTABLE, desc = "the racing poll came first; both delivered afterwards, in order")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the first record raced in, the second afterwards")
@Outcome(id = "2, 2, 0", expect = ACCEPTABLE, desc = "both raced in, in order")
@Outcome(expect = FORBIDDEN, desc = "torn, out of order, duplicated or lost")
@State
public class NamedRingOrderTest {
    private static final AtomicLong NAMES = new AtomicLong();

    private final String name = "shm4j-jcstress-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    private final SpscRing created;
    private final SpscRing opened;
    private final RingProducer producer;
    private final RingConsumer consumer;
    private final MemorySegment one = Payload.of(1);
    private final MemorySegment two = Payload.of(2);
    private final InOrder racing = new InOrder(1);

    public NamedRingOrderTest() {
        try {
            created = SpscRing.create(name, Rings.CAPACITY,
                    org.shm4j.ring.RingOption.startPosition(Rings.CAPACITY - 16));
            opened = SpscRing.open(name);
            producer = created.producer(WaitStrategy.busySpin());
            consumer = opened.consumer(WaitStrategy.busySpin(), Rings.NO_SKIP);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Actor
    public void producer() {
        producer.offer(Payload.TYPE, one);
        producer.offer(Payload.TYPE, two);
    }

    @Actor
    public void consumer(III_Result r) {
        r.r1 = consumer.poll(racing, 2);
        r.r2 = racing.broken ? Payload.TORN : racing.next - 1;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        InOrder after = new InOrder(racing.next);
        int delivered = 0;
        // Bounded: the arbiter runs after both actors, so everything offered is there.
        for (int i = 0; i < 3; i++) {
            delivered += consumer.poll(after, 2);
        }
        r.r3 = after.broken || after.next != 3 ? Payload.TORN : delivered;
        producer.close();
        consumer.close();
        opened.close();
        created.close();
        try {
            SharedMemory.remove(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Accepts whole records carrying next, next + 1, ...; anything else breaks it. */
    static final class InOrder implements RecordHandler {
        int next;
        boolean broken;

        InOrder(int first) {
            this.next = first;
        }

        @Override
        public void onRecord(int typeId, MemorySegment payload) {
            if (Payload.valueOf(typeId, payload) == next) {
                next++;
            } else {
                broken = true;
            }
        }

        @Override
        public void onLoss(long lostRecords) {
            broken = true;
        }
    }
}
