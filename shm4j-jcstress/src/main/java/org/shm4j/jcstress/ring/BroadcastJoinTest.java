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
import org.shm4j.ring.BroadcastReceiver;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;

/**
 * Claim 7 (a receiver joins at latestPosition): a receiver created while the transmitter runs starts
 * at the latest whole record, delivers it whole, and from there misses nothing it is not told about.
 */
@JCStressTest
@Description("Record 1 is out; a receiver is created while records 2 and 3 are transmitted, polls, and polls again"
        + " afterwards. Fails if latestPosition were published before its record was whole or read without"
        + " acquire (a torn first record), or if a new receiver started at the tail (nothing delivered).")
@Outcome(id = {"1, 3, 3", "2, 3, 2", "3, 3, 1"}, expect = ACCEPTABLE,
        desc = "first record whole; delivered + lost covers it to record 3")
@Outcome(expect = FORBIDDEN, desc = "torn (-1), nothing delivered, or losses miscounted")
@State
public class BroadcastJoinTest {
    private final BroadcastRing ring = Rings.broadcast();
    private final BroadcastTransmitter transmitter = Rings.transmitter(ring);
    private final MemorySegment second = Payload.of(2);
    private final MemorySegment third = Payload.of(3);
    private final Tally tally = new Tally();
    private BroadcastReceiver receiver;

    public BroadcastJoinTest() {
        // Something is out before the receiver joins: it starts from latestPosition, not the ring's start.
        transmitter.transmit(Payload.TYPE, Payload.of(1));
    }

    @Actor
    public void transmitter() {
        transmitter.transmit(Payload.TYPE, second);
        transmitter.transmit(Payload.TYPE, third);
    }

    @Actor
    public void receiver() {
        receiver = ring.receiver();
        receiver.poll(tally);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        receiver.poll(tally);
        r.r1 = tally.torn ? Payload.TORN : tally.first;
        r.r2 = tally.value();
        r.r3 = tally.records + (int) tally.lost;
    }
}
