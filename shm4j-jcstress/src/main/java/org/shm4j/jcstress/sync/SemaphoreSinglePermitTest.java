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

/** One permit, two acquirers: exactly one gets it. */
@JCStressTest
@Description("SharedSemaphore: two tryAcquire() on 1 permit")
@Outcome(id = {"true, false, 0", "false, true, 0"}, expect = ACCEPTABLE, desc = "exactly one")
@Outcome(expect = FORBIDDEN, desc = "a permit lost or made up")
@State
public class SemaphoreSinglePermitTest {
    private final MemorySegment mem = Blocks.allocate();
    private final SharedSemaphore sem;

    public SemaphoreSinglePermitTest() {
        try {
            sem = SharedSemaphore.create(mem, 1, 10);
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void acquirer1(ZZI_Result r) {
        try {
            r.r1 = sem.tryAcquire();
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
