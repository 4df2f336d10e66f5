package org.shm4j.jcstress.sync;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;

/** Claim 2: what the setter wrote before set() is visible to a waiter that sees the event set. */
@JCStressTest
@Description("SharedEvent.set() releases, tryAwait() acquires")
@Outcome(id = {"0, 0", "0, 42", "1, 42"}, expect = ACCEPTABLE, desc = "not yet set, or set and data visible")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "event seen set but the data written before set() missing")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class EventPublicationTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedEvent event;

    public EventPublicationTest() {
        try {
            event = SharedEvent.create(mem, EventReset.AUTO);
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void setter() {
        mem.set(ValueLayout.JAVA_INT, 128, 42);
        try {
            event.set();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void waiter(II_Result r) {
        try {
            r.r1 = event.tryAwait() ? 1 : 0;
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
        r.r2 = mem.get(ValueLayout.JAVA_INT, 128);
    }
}
