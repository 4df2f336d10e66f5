package org.shm4j.jcstress.sync;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.sync.SharedMutex;

/** Claim 2 (acquire/release): two lockers' read-modify-writes under the mutex never interleave, and the word ends free. */
@JCStressTest
@Description("SharedMutex excludes: both increments survive; the state word is 0 afterwards")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both increments, mutex free")
@Outcome(expect = FORBIDDEN, desc = "lost update or leaked state")
@State
public class MutexExclusionTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedMutex mutex = Blocks.mutex(mem);

    private void increment() {
        Blocks.lock(mutex);
        long v = mem.get(ValueLayout.JAVA_LONG, 128);
        mem.set(ValueLayout.JAVA_LONG, 128, v + 1);
        mutex.unlock();
    }

    @Actor
    public void actor1() {
        increment();
    }

    @Actor
    public void actor2() {
        increment();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = (int) mem.get(ValueLayout.JAVA_LONG, 128);
        r.r2 = mem.get(ValueLayout.JAVA_INT, SyncBytes.STATE_OFFSET);
    }
}
