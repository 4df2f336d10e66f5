package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.testkit.NoLeaks;

/**
 * The owner record's rules on crafted records, as a peer (or a dead holder) could leave them: when
 * the identity is trusted, when only the PID in the word counts, and what the token says about the
 * current thread.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnerRecordTest {
    private Arena arena;
    private MemorySegment block;
    private Process sleeper;
    private ProcessIdentity live;

    @BeforeEach
    void setUp() throws Exception {
        arena = Arena.ofConfined();
        block = arena.allocate(SyncLayout.LOCK_BYTES, 64);
        sleeper = new ProcessBuilder("sleep", "60").start();
        live = ProcessIdentity.of(sleeper.pid());
        assertThat(live.startTicks()).isPositive();
    }

    @AfterEach
    void tearDown() throws Exception {
        sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        arena.close();
    }

    private void record(long token, long identity) {
        block.set(SyncLayout.U64, SyncLayout.OWNER_TOKEN_OFFSET, token);
        block.set(SyncLayout.U64, SyncLayout.OWNER_IDENTITY_OFFSET, identity);
    }

    @Test
    void aSetTokenMakesTheIdentityDecide() {
        int pid = (int) live.pid();
        record(1L << 62, live.word());
        assertThat(OwnerRecord.holderAlive(block, pid)).as("identity names the live process").isTrue();

        record(1L << 62, new ProcessIdentity(pid, live.startTicks() + 1).word());
        assertThat(OwnerRecord.holderAlive(block, pid)).as("same PID, another start: a recycled PID").isFalse();
    }

    @Test
    void withoutATokenOrForAnotherPidOnlyThePidCounts() {
        int pid = (int) live.pid();
        long staleIdentity = new ProcessIdentity(pid, live.startTicks() + 1).word();
        record(0, staleIdentity);
        assertThat(OwnerRecord.holderAlive(block, pid)).as("a cleared token: the identity is stale").isTrue();

        record(1L << 62, new ProcessIdentity(pid + 1L, 12345).word());
        assertThat(OwnerRecord.holderAlive(block, pid)).as("a record of another process: between CAS and record")
                .isTrue();

        sleeper.destroyForcibly();
        assertThat(sleeper.onExit().orTimeout(10, TimeUnit.SECONDS).join().isAlive()).isFalse();
        assertThat(OwnerRecord.holderAlive(block, pid)).as("that PID is gone").isFalse();
    }

    @Test
    void ourPidIsAnotherThreadOfOursUnlessTheRecordSaysAnEarlierProcess() {
        int me = (int) ProcessIdentity.current().pid();
        ProcessIdentity self = ProcessIdentity.current();
        record(1L << 62, self.word());
        assertThat(OwnerRecord.holderAlive(block, me)).isTrue();
        record(0, new ProcessIdentity(me, self.startTicks() + 1).word());
        assertThat(OwnerRecord.holderAlive(block, me)).as("no token: between CAS and record").isTrue();
        record(1L << 62, new ProcessIdentity(me, self.startTicks() + 1).word());
        assertThat(OwnerRecord.holderAlive(block, me)).as("an earlier process with our PID died holding it")
                .isFalse();
    }

    @Test
    void theTokenNamesTheThreadWithOrWithoutTheOwnerDiedMark() throws Exception {
        OwnerRecord.claim(block, false);
        assertThat(OwnerRecord.heldByCurrentThread(block)).isTrue();
        assertThat(OwnerRecord.token(block)).isEqualTo(OwnerRecord.myToken());
        assertThat(block.get(SyncLayout.U64, SyncLayout.OWNER_IDENTITY_OFFSET)).isEqualTo(OwnerRecord.MY_IDENTITY);

        OwnerRecord.claim(block, true);
        assertThat(OwnerRecord.token(block)).isEqualTo(OwnerRecord.myToken() | SyncLayout.TOKEN_OWNER_DIED);
        assertThat(OwnerRecord.heldByCurrentThread(block)).isTrue();
        OwnerRecord.markConsistent(block);
        assertThat(OwnerRecord.token(block)).isEqualTo(OwnerRecord.myToken());

        long[] other = new long[1];
        Thread t = Thread.ofVirtual().start(() -> other[0] = OwnerRecord.myToken());
        t.join(10_000);
        assertThat(other[0]).isNotEqualTo(OwnerRecord.myToken()).isNotZero();
        assertThat(other[0] & SyncLayout.TOKEN_OWNER_DIED).isZero();

        OwnerRecord.clear(block);
        assertThat(OwnerRecord.heldByCurrentThread(block)).isFalse();
        assertThat(OwnerRecord.recordedStart(0, OwnerRecord.MY_IDENTITY, (int) ProcessIdentity.current().pid())).isZero();
    }
}
