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
import org.shm4j.ring.BroadcastReceiver;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;

/**
 * Claim 7 (lapped receivers): a receiver that the transmitter laps never delivers a torn record; it
 * moves to the latest whole record (latestPosition, release/acquire) and the sequence numbers tell
 * it exactly how many records it lost, so delivered plus lost always equals what was transmitted.
 */
@JCStressTest
@Description("Four 88-byte records into a 256-byte broadcast ring (one and a half laps, one padding record) while a"
        + " receiver that started before them polls; a final poll catches up. Fails if a lapped receiver delivered"
        + " a record being overwritten, resumed at a record not yet whole, or miscounted the records it lost.")
@Outcome(id = {"1, 3, 4, 0", "2, 2, 4, 0", "3, 1, 4, 0", "4, 0, 4, 0"}, expect = ACCEPTABLE,
        desc = "delivered + lost = 4, ending with record 4")
@Outcome(expect = FORBIDDEN, desc = "torn record, losses miscounted, or record 4 missed")
@State
public class BroadcastLapTest {
    private final BroadcastRing ring = Rings.broadcast();
    private final BroadcastTransmitter transmitter = Rings.transmitter(ring);
    private final BroadcastReceiver receiver = ring.receiver(); // at record 1, before it is transmitted
    private final MemorySegment[] payloads = {Payload.of(1), Payload.of(2), Payload.of(3), Payload.of(4)};
    private final Tally tally = new Tally();

    @Actor
    public void transmitter() {
        for (MemorySegment p : payloads) {
            transmitter.transmit(Payload.TYPE, p);
        }
    }

    @Actor
    public void receiver() {
        receiver.poll(tally);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        receiver.poll(tally);
        r.r1 = tally.records;
        r.r2 = (int) tally.lost;
        r.r3 = tally.last;
        r.r4 = tally.torn ? 1 : 0;
    }
}
