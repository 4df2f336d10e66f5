package org.shm4j.jcstress.sync;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZZ_Result;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;

/** An auto-reset event releases exactly one taker per set, and is clear afterwards. */
@JCStressTest
@Description("auto-reset SharedEvent: one set, two takers, exactly one wins")
@Outcome(id = {"true, false, false", "false, true, false"}, expect = ACCEPTABLE, desc = "one taker, event consumed")
@Outcome(expect = FORBIDDEN, desc = "zero or two takers, or still set")
@State
public class AutoEventSingleTakerTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedEvent event;

    public AutoEventSingleTakerTest() {
        try {
            event = SharedEvent.create(mem, EventReset.AUTO);
            event.set();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void taker1(ZZZ_Result r) {
        try {
            r.r1 = event.tryAwait();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void taker2(ZZZ_Result r) {
        try {
            r.r2 = event.tryAwait();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Arbiter
    public void arbiter(ZZZ_Result r) {
        try {
            r.r3 = event.isSet();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }
}
