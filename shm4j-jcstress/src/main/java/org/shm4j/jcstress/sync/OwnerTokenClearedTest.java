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
 * Claim 4 (owner record): unlock clears the token before it releases the word, so whoever takes
 * the word next (here a peer speaking the protocol with a raw CAS, as a C process would) never sees
 * the previous holder's token: a stale token could otherwise pass for a live holder's record.
 */
@JCStressTest
@Description("SharedMutex.unlock clears the owner token before the releasing exchange")
@Outcome(id = {"0, 0", "1, 0"}, expect = ACCEPTABLE, desc = "peer's CAS failed, or took the word with no token set")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "peer took the word and saw the last holder's token")
@State
public class OwnerTokenClearedTest {
    static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /** The peer passes for another thread of this process, so the holder waits for it, never recovers. */
    static final int PEER_PID = (int) ProcessHandle.current().pid();

    private final MemorySegment mem = Blocks.allocate();
    private final SharedMutex mutex = Blocks.mutex(mem);

    @Actor
    public void holder() {
        Blocks.lock(mutex);
        mutex.unlock();
    }

    @Actor
    public void peer(II_Result r) {
        // Acquire through the CAS: pairs with the holder's releasing exchange.
        if (INT.compareAndSet(mem, SyncBytes.STATE_OFFSET, 0, PEER_PID)) {
            r.r1 = 1;
            r.r2 = (long) LONG.getOpaque(mem, SyncBytes.OWNER_TOKEN_OFFSET) != 0 ? 1 : 0;
            // Let the holder in: it spins first, and a sleeping holder wakes within its 20 ms slice.
            INT.getAndSet(mem, SyncBytes.STATE_OFFSET, 0);
        }
    }
}
