package org.shm4j.cli.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SyncSnapshot;
import org.shm4j.sync.SyncSnapshot.LockState;

/** The words and order {@code shm4j ls / info / watch} show for each kind of sync snapshot. */
class SyncProbeDetailsTest {
    @Test
    void aHeldMutexShowsStateHolderWaitersThenCreator() {
        var d = SyncProbe.details(new SyncSnapshot.Mutex(LockState.HELD_OWNER_DIED,
                Optional.of(new SyncSnapshot.Holder(42, false)), true, 0, 7));
        assertThat(d).containsExactly(entry("primitive", "mutex"), entry("state", "held, owner died"),
                entry("holderPid", 42L), entry("holderAlive", false), entry("waiters", true), entry("creatorPid", 7L));
    }

    @Test
    void aCorruptMutexShowsItsWordOnly() {
        var d = SyncProbe.details(new SyncSnapshot.Mutex(LockState.CORRUPT, Optional.empty(), false, 0x0f0000ff, 7));
        assertThat(d).containsExactly(entry("primitive", "mutex"), entry("state", "corrupt (0xf0000ff)"),
                entry("creatorPid", 7L));
    }

    @Test
    void aReadLockedLockShowsReadersAndWriterWaiting() {
        var d = SyncProbe.details(new SyncSnapshot.ReadWriteLock(LockState.READ_LOCKED, Optional.empty(), 3, false,
                true, 7));
        assertThat(d).containsExactly(entry("primitive", "read-write-lock"), entry("state", "read-locked"),
                entry("readers", 3), entry("waiters", false), entry("writerWaiting", true), entry("creatorPid", 7L));
    }

    @Test
    void eventsAndSemaphoresShowTheirOwnFacts() {
        assertThat(SyncProbe.details(new SyncSnapshot.Event(false, Optional.empty(), false, 0, 5, 7)))
                .containsExactly(entry("primitive", "event"), entry("state", "not signaled"),
                        entry("reset", "corrupt (5)"), entry("waiters", false), entry("creatorPid", 7L));
        assertThat(SyncProbe.details(new SyncSnapshot.Event(true, Optional.of(EventReset.MANUAL), true, 3, 0, 7)))
                .containsEntry("state", "signaled").containsEntry("reset", "manual");
        assertThat(SyncProbe.details(new SyncSnapshot.Semaphore(6, 5, false, 7)))
                .containsExactly(entry("primitive", "semaphore"), entry("state", "corrupt (count 6, max 5)"),
                        entry("count", 6L), entry("maxCount", 5L), entry("waiters", false), entry("creatorPid", 7L));
    }

    @Test
    void unreadableBlocksSayWhy() {
        assertThat(SyncProbe.details(new SyncSnapshot.Unreadable(1, 3, 7)))
                .containsExactly(entry("primitive", "mutex"), entry("state", "unsupported layout version 3"));
        assertThat(SyncProbe.details(new SyncSnapshot.Unreadable(99, 2, 7)))
                .containsExactly(entry("primitive", "unknown(99)"), entry("state", "unknown type 99"),
                        entry("creatorPid", 7L));
    }

    private static java.util.Map.Entry<String, Object> entry(String key, Object value) {
        return java.util.Map.entry(key, value);
    }
}
