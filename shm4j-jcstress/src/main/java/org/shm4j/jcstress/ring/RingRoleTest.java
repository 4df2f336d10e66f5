package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.ring.RingBusyException;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Claim 9 (roles change only by CAS): of two threads asking for the consumer role of a ring at
 * once, exactly one gets it; the other is told the role is held.
 */
@JCStressTest
@Description("Two consumer() calls race on a new ring. Fails if the role word were taken with a load and a store"
        + " instead of a CAS: both would get the role, and two consumers would move the same head.")
@Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one consumer, the other refused")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "two consumers")
@Outcome(expect = FORBIDDEN, desc = "no consumer")
@State
public class RingRoleTest {
    private final SpscRing ring = Rings.spsc(0);

    private int takeConsumer() {
        try {
            ring.consumer(WaitStrategy.busySpin(), Rings.NO_SKIP);
            return 1;
        } catch (RingBusyException e) {
            return 0;
        }
    }

    @Actor
    public void taker1(II_Result r) {
        r.r1 = takeConsumer();
    }

    @Actor
    public void taker2(II_Result r) {
        r.r2 = takeConsumer();
    }
}
