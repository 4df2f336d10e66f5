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
import org.shm4j.sync.SharedMutex;

/** Claim 2: plain writes made under the mutex are seen whole by the next holder. */
@JCStressTest
@Description("SharedMutex publishes plain writes: a reader under the lock sees both or neither")
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "reader before or after the writer")
@Outcome(expect = FORBIDDEN, desc = "torn view of the writer's critical section")
@State
public class MutexPublicationTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedMutex mutex = Blocks.mutex(mem);

    @Actor
    public void writer() {
        Blocks.lock(mutex);
        mem.set(ValueLayout.JAVA_INT, 128, 1);
        mem.set(ValueLayout.JAVA_INT, 192, 1);
        mutex.unlock();
    }

    @Actor
    public void reader(II_Result r) {
        Blocks.lock(mutex);
        r.r1 = mem.get(ValueLayout.JAVA_INT, 192);
        r.r2 = mem.get(ValueLayout.JAVA_INT, 128);
        mutex.unlock();
    }
}
