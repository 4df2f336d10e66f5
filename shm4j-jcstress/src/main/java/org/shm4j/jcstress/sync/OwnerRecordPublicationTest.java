package org.shm4j.jcstress.sync;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.sync.SharedMutex;

/**
 * Claim 4 (owner record): a liveness checker that sees a holder's token also sees that holder's
 * identity, never the identity a dead earlier holder left behind. The checker reads as the package
 * documentation says: the token with acquire, then the identity.
 */
@JCStressTest
@Description("SharedMutex's owner record: the token is published after the identity it vouches for")
@Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "before the record, or the whole record")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "the new token with the dead holder's identity")
@State
public class OwnerRecordPublicationTest {
    static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /** An identity word no live process has: PID 2^22 - 1, start time 1. */
    static final long STALE_IDENTITY = (((1L << 22) - 1) << 42) | 1;

    private final MemorySegment mem = Blocks.allocate();
    private final SharedMutex mutex = Blocks.mutex(mem);

    public OwnerRecordPublicationTest() {
        // What a holder that died after unlocking leaves: its identity, no token.
        mem.set(ValueLayout.JAVA_LONG, SyncBytes.OWNER_IDENTITY_OFFSET, STALE_IDENTITY);
    }

    @Actor
    public void holder() {
        Blocks.lock(mutex);
    }

    @Actor
    public void checker(II_Result r) {
        long token = (long) LONG.getAcquire(mem, SyncBytes.OWNER_TOKEN_OFFSET);
        long identity = (long) LONG.getOpaque(mem, SyncBytes.OWNER_IDENTITY_OFFSET);
        r.r1 = token != 0 ? 1 : 0;
        r.r2 = identity != STALE_IDENTITY ? 1 : 0;
    }
}
