package org.shm4j.jcstress.sync;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.shm4j.sync.SharedMutex;

/** Claim 1: an opener that acquires the magic sees the whole header the creator wrote before it. */
@JCStressTest
@Description("Block publication: magic stored with release after header and body")
@Outcome(id = {"0, 0, 0", "1, 1, 1"}, expect = ACCEPTABLE, desc = "not published yet, or published whole")
@Outcome(id = {"1, 0, 0", "1, 0, 1", "1, 1, 0"}, expect = FORBIDDEN, desc = "magic seen, header incomplete")
@Outcome(id = "2, 0, 0", expect = ACCEPTABLE, desc = "being built")
@Outcome(expect = FORBIDDEN, desc = "magic seen, header incomplete")
@State
public class HeaderPublicationTest {
    private static final VarHandle MAGIC = ValueLayout.JAVA_INT.varHandle();
    private final MemorySegment mem = Blocks.allocate();

    @Actor
    public void creator() {
        try {
            SharedMutex.create(mem);
        } catch (Exception e) {
            throw Blocks.unchecked(e);
        }
    }

    @Actor
    public void opener(III_Result r) {
        int magic = (int) MAGIC.getAcquire(mem, SyncBytes.MAGIC_OFFSET);
        if (magic == SyncBytes.BUILDING) {
            r.r1 = 2;
            return;
        }
        if (magic != SyncBytes.MAGIC) {
            return; // not published: the header may be in any state, the opener must not look
        }
        r.r1 = 1;
        r.r2 = mem.get(ValueLayout.JAVA_SHORT, SyncBytes.TYPE_OFFSET) == SyncBytes.TYPE_MUTEX ? 1 : 0;
        r.r3 = mem.get(ValueLayout.JAVA_LONG, SyncBytes.CREATOR_PID_OFFSET) == ProcessHandle.current().pid() ? 1 : 0;
    }
}
