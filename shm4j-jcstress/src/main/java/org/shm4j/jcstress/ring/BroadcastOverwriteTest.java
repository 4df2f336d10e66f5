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
 * Claim 7 (overwrite during a copy): the transmitter announces the bytes it is about to overwrite in
 * tailIntent, then fences, then writes; a receiver copies, fences, and reads tailIntent. A receiver
 * whose record is overwritten while it copies it therefore discards the copy, counts itself lapped
 * and resumes at the latest whole record, reporting the records it skipped.
 */
@JCStressTest
@Description("Records 1 and 2 sit at offsets 0 and 88 of a 256-byte broadcast ring; the receiver, at record 1, reads"
        + " it while record 3 wraps onto the same bytes. Fails if the transmitter wrote before announcing"
        + " tailIntent (no store-store fence), if the receiver read tailIntent before its copy (no load-load fence),"
        + " or if a lapped receiver lost count: a torn record, or a wrong loss count.")
@Outcome(id = "1, 0, 3, 3", expect = ACCEPTABLE, desc = "record 1 read before the overwrite")
@Outcome(id = "2, 1, 3, 3", expect = ACCEPTABLE, desc = "lapped during the copy; resumed at record 2, one lost")
@Outcome(id = "3, 2, 3, 3", expect = ACCEPTABLE, desc = "lapped; resumed at record 3, two lost")
@Outcome(id = "0, 0, 3, 3", expect = ACCEPTABLE, desc = "lapped; resumed at record 3 before the tail covered it")
@Outcome(expect = FORBIDDEN, desc = "a torn record (-1) delivered, or losses miscounted")
@State
public class BroadcastOverwriteTest {
    private final BroadcastRing ring = Rings.broadcast();
    private final BroadcastTransmitter transmitter = Rings.transmitter(ring);
    private final BroadcastReceiver receiver = ring.receiver(); // at record 1, before it is transmitted
    private final MemorySegment third = Payload.of(3);
    private final Tally racing = new Tally();
    private final Tally after = new Tally();

    public BroadcastOverwriteTest() {
        transmitter.transmit(Payload.TYPE, Payload.of(1));
        transmitter.transmit(Payload.TYPE, Payload.of(2));
    }

    @Actor
    public void transmitter() {
        transmitter.transmit(Payload.TYPE, third);
    }

    @Actor
    public void receiver(IIII_Result r) {
        receiver.poll(racing, 1);
        r.r1 = racing.value();
        r.r2 = (int) racing.lost;
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        receiver.poll(after);
        // The receiver started at record 1, so delivered plus lost must account for all three.
        r.r3 = after.records == 0 ? racing.value() : after.value();
        r.r4 = racing.records + after.records + (int) (racing.lost + after.lost);
    }
}
