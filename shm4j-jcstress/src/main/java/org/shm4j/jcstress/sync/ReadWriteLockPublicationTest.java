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
import org.shm4j.sync.SharedReadWriteLock;

/** A reader under the read lock sees a writer's critical section whole or not at all. */
@JCStressTest
@Description("SharedReadWriteLock: unlockWrite releases, lockRead acquires")
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "before or after the writer")
@Outcome(expect = FORBIDDEN, desc = "torn")
@State
public class ReadWriteLockPublicationTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedReadWriteLock rw;

    public ReadWriteLockPublicationTest() {
        try {
            rw = SharedReadWriteLock.create(mem);
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void writer() {
        try {
            rw.lockWrite();
            mem.set(ValueLayout.JAVA_INT, 128, 1);
            mem.set(ValueLayout.JAVA_INT, 192, 1);
            rw.unlockWrite();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void reader(II_Result r) {
        try {
            rw.lockRead();
            r.r1 = mem.get(ValueLayout.JAVA_INT, 192);
            r.r2 = mem.get(ValueLayout.JAVA_INT, 128);
            rw.unlockRead();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }
}
