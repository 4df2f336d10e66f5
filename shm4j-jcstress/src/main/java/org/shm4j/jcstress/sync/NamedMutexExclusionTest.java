package org.shm4j.jcstress.sync;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JI_Result;
import org.shm4j.SharedMemory;
import org.shm4j.sync.SharedMutex;

/**
 * Claim 2 on the constant-segment path: a mutex created by name and opened by name again, so each
 * actor locks through its own mapping of the object by absolute address (the global segment,
 * {@code org.shm4j.internal.block.Absolute}), as two processes would. Their read-modify-writes of a
 * plain field under the mutex never interleave, and the word ends free.
 */
@JCStressTest
@Description("Named SharedMutex, absolute addressing, two mappings: both increments survive; the state word is 0"
        + " afterwards")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both increments, mutex free")
@Outcome(expect = FORBIDDEN, desc = "lost update or leaked state")
@State
public class NamedMutexExclusionTest {
    private static final AtomicLong NAMES = new AtomicLong();

    private final String name = "shm4j-jcstress-mutex-" + ProcessHandle.current().pid() + "-"
            + NAMES.incrementAndGet();
    private final SharedMutex created;
    private final SharedMutex opened;
    /** Guarded by the mutex; plain on purpose. */
    private long counter;

    public NamedMutexExclusionTest() {
        try {
            created = SharedMutex.create(name);
            opened = SharedMutex.open(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void increment(SharedMutex mutex) {
        Blocks.lock(mutex);
        counter++;
        mutex.unlock();
    }

    @Actor
    public void actor1() {
        increment(created);
    }

    @Actor
    public void actor2() {
        increment(opened);
    }

    @Arbiter
    public void arbiter(JI_Result r) {
        r.r1 = counter;
        r.r2 = opened.segment().get(ValueLayout.JAVA_INT, SyncBytes.STATE_OFFSET);
        created.close();
        opened.close();
        try {
            SharedMemory.remove(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
