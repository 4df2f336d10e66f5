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
import org.openjdk.jcstress.infra.results.ZZI_Result;
import org.shm4j.sync.SharedSemaphore;

/** Permits are conserved: a release racing an acquire on an empty semaphore. (Two actors: jcstress skips tests with more actors than CPUs.) */
@JCStressTest
@Description("SharedSemaphore: release() racing tryAcquire() on 0 permits: taken + left = 1")
@Outcome(id = {"true, true, 0", "true, false, 1"}, expect = ACCEPTABLE, desc = "conserved")
@Outcome(expect = FORBIDDEN, desc = "a permit lost or made up")
@State
public class SemaphorePermitTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedSemaphore sem;

    public SemaphorePermitTest() {
        try {
            sem = SharedSemaphore.create(mem, 0, 10);
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void releaser(ZZI_Result r) {
        try {
            r.r1 = sem.release();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void acquirer2(ZZI_Result r) {
        try {
            r.r2 = sem.tryAcquire();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Arbiter
    public void arbiter(ZZI_Result r) {
        try {
            r.r3 = sem.available();
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }
}
