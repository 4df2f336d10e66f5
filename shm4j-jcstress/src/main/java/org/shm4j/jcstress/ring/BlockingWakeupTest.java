package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.shm4j.internal.block.FutexWait;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Claim 8 (blocking waits): a consumer that goes to sleep on the ring's futex while a record is
 * published is woken, or finds the record at the latest at the re-check each registered sleep makes
 * after 1 ms: the publisher's unfenced read of the waiters count may miss the registration, so that
 * re-check is what bounds the delay, for the first sleep and for every later one.
 */
@JCStressTest
@Description("A consumer blocking at once (no spins) with a 5 s timeout races an offer. Fails if a wake-up could be"
        + " lost and not made up by the 1 ms re-check of a sleep (the waiter would sleep a whole second or to the timeout),"
        + " or if the waiter did not register before re-checking the ring.")
@Outcome(id = "1, 42, 0", expect = ACCEPTABLE, desc = "delivered well within the timeout")
@Outcome(id = "1, 42, 1", expect = FORBIDDEN, desc = "delivered after half a second or more: a lost wake-up")
@Outcome(expect = FORBIDDEN, desc = "timed out, or torn")
@State
public class BlockingWakeupTest {
    /** A lost wake-up not caught by the 1 ms cap shows as a sleep of a second (the longest sleep) or more. */
    private static final long LATE_NANOS = 500_000_000L;

    static {
        // Links the futex downcalls (wait and wake) before the first sample: the library links a
        // native call on first use, and on a loaded machine that took over half a second inside the
        // first sample's window, which then read as a lost wake-up (1 of 4 samples per configuration).
        MemorySegment word = Arena.global().allocate(4, 4);
        FutexWait.await(word, 1, 1_000); // the word holds 0: returns at once
        FutexWait.wake(word, 1);
    }
    private final SpscRing ring = Rings.spsc(0);
    private final RingProducer producer = Rings.producer(ring);
    private final RingConsumer consumer = Rings.consumer(ring, WaitStrategy.blocking(0), Rings.NO_SKIP);
    private final MemorySegment payload = Payload.of(42);
    private final Tally tally = new Tally();

    @Actor
    public void producer() {
        producer.offer(Payload.TYPE, payload);
    }

    @Actor
    public void consumer(III_Result r) {
        long begin = System.nanoTime();
        try {
            r.r1 = consumer.poll(tally, 1, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Rings.unchecked(e);
        }
        r.r2 = tally.value();
        r.r3 = System.nanoTime() - begin >= LATE_NANOS ? 1 : 0;
    }
}
