package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.NoLeaks;

/** The byte diagram in SyncLayout's javadoc and in shm4j_mutex.h, checked. */
@ExtendWith(NoLeaks.class)
class SyncLayoutTest {
    @Test
    void offsetsMatchTheDiagram() {
        assertThat(SyncLayout.MAGIC_OFFSET).isZero();
        assertThat(SyncLayout.VERSION_OFFSET).isEqualTo(4);
        assertThat(SyncLayout.TYPE_OFFSET).isEqualTo(6);
        assertThat(SyncLayout.CREATOR_PID_OFFSET).isEqualTo(8);
        assertThat(SyncLayout.CREATOR_START_OFFSET).isEqualTo(16);
        assertThat(SyncLayout.PID_NAMESPACE_OFFSET).isEqualTo(24);
        assertThat(SyncLayout.HEADER_BYTES).isEqualTo(32);
        assertThat(SyncLayout.STATE_OFFSET).isEqualTo(32);
        assertThat(SyncLayout.RESERVED_OFFSET).isEqualTo(36);
        assertThat(SyncLayout.OWNER_PID_OFFSET).isEqualTo(40);
        assertThat(SyncLayout.OWNER_START_OFFSET).isEqualTo(48);
        assertThat(SyncLayout.OWNER_TOKEN_OFFSET).isEqualTo(56);
        assertThat(SyncLayout.PARAM_OFFSET).isEqualTo(36);
        assertThat(SyncLayout.LOCK_BYTES).isEqualTo(64).isEqualTo(SharedMutex.BYTES).isEqualTo(SharedReadWriteLock.BYTES);
        assertThat(SyncLayout.EVENT_BYTES).isEqualTo(40).isEqualTo(SharedEvent.BYTES);
        assertThat(SyncLayout.SEMAPHORE_BYTES).isEqualTo(40).isEqualTo(SharedSemaphore.BYTES);
    }

    @Test
    void bitsDoNotOverlap() {
        int[] lockBits = {SyncLayout.PID_MASK, SyncLayout.WRITER_WAITING, SyncLayout.NOT_RECOVERABLE,
            SyncLayout.OWNER_DIED, SyncLayout.WAITERS, SyncLayout.WRITE_LOCKED};
        int seen = 0;
        for (int b : lockBits) {
            assertThat(seen & b).isZero();
            seen |= b;
        }
        assertThat(SyncLayout.SEMAPHORE_COUNT_MASK & SyncLayout.SEMAPHORE_WAITERS).isZero();
        assertThat(SyncLayout.SIGNALED & SyncLayout.EVENT_WAITERS).isZero();
    }

    @Test
    void aBuiltMutexHasTheDocumentedBytes() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem = arena.allocate(64, 64);
            SharedMutex mutex = SharedMutex.create(mem);
            byte[] magic = mem.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
            assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("SYNC");
            assertThat(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4))
                    .isEqualTo((short) 1);
            assertThat(mem.get(ValueLayout.JAVA_SHORT, 6)).isEqualTo(SyncLayout.TYPE_MUTEX);
            assertThat(mem.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(ProcessHandle.current().pid());
            mutex.lock();
            assertThat(mem.get(ValueLayout.JAVA_INT, 32)).isEqualTo((int) ProcessHandle.current().pid());
            assertThat(mem.get(ValueLayout.JAVA_LONG, 40)).isEqualTo(ProcessHandle.current().pid());
            assertThat(mem.get(ValueLayout.JAVA_LONG, 56)).isEqualTo(Thread.currentThread().threadId());
            mutex.unlock();
            assertThat(mem.get(ValueLayout.JAVA_INT, 32)).isZero();
            assertThat(mem.get(ValueLayout.JAVA_LONG, 40)).isZero();
        }
    }
}
