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
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;

/**
 * Claim 7 (broadcast publication): the transmitter stores tail with release after the record, and a
 * receiver reads only below the tail it loaded with acquire, so every record it delivers is whole.
 */
@JCStressTest
@Description("transmit() writes the record with plain stores, then tail with release; a receiver acquires tail. Fails"
        + " if tail were stored before the record or plainly, or loaded without acquire: a receiver would deliver"
        + " a record whose bytes it cannot yet see.")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "not yet transmitted when polled; delivered afterwards")
@Outcome(id = "1, 42, 0", expect = ACCEPTABLE, desc = "delivered whole by the racing poll")
@Outcome(id = "1, -1, 0", expect = FORBIDDEN, desc = "delivered before its bytes were visible")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or torn")
@State
public class BroadcastPublicationTest {
    private final BroadcastRing ring = Rings.broadcast();
    private final BroadcastTransmitter transmitter = Rings.transmitter(ring);
    private final PublicationRace race = new PublicationRace(ring.receiver()::poll);
    private final MemorySegment payload = Payload.of(42);

    @Actor
    public void transmitter() {
        transmitter.transmit(Payload.TYPE, payload);
    }

    @Actor
    public void receiver(III_Result r) {
        race.racingPoll(r);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        race.finalPoll(r);
    }
}
