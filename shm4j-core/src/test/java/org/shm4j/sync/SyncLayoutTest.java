package org.shm4j.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.testkit.NoLeaks;

/**
 * The byte diagram in the package documentation and in {@code interop/c/shm4j_mutex.h} (the
 * published layout; {@code SyncLayout} is not API), checked against the code.
 */
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
        assertThat(SyncLayout.OWNER_IDENTITY_OFFSET).isEqualTo(40);
        assertThat(SyncLayout.OWNER_TOKEN_OFFSET).isEqualTo(48);
        assertThat(SyncLayout.RESERVED2_OFFSET).isEqualTo(56);
        assertThat(SyncLayout.PARAM_OFFSET).isEqualTo(36);
        assertThat(SyncLayout.LOCK_BYTES).isEqualTo(64).isEqualTo(SharedMutex.BYTES).isEqualTo(SharedReadWriteLock.BYTES);
        assertThat(SyncLayout.EVENT_BYTES).isEqualTo(40).isEqualTo(SharedEvent.BYTES);
        assertThat(SyncLayout.SEMAPHORE_BYTES).isEqualTo(40).isEqualTo(SharedSemaphore.BYTES);
    }

    @Test
    void thePublishedCHeaderStatesTheSameNumbers() throws Exception {
        Path header = Path.of("..", "interop", "c", "shm4j_mutex.h").toAbsolutePath().normalize();
        Map<String, Long> defines = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define (SHM4J_\\w+) (0x[0-9A-Fa-f]+|\\d+)u?(?:ll|ull)?\\s*$")
                .matcher(Files.readString(header));
        while (m.find()) {
            String value = m.group(2);
            defines.put(m.group(1), value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16)
                    : Long.parseLong(value));
        }
        assertThat(defines).containsEntry("SHM4J_MAGIC", (long) SyncLayout.MAGIC)
                .containsEntry("SHM4J_BUILDING", (long) SyncLayout.BUILDING)
                .containsEntry("SHM4J_VERSION", (long) SyncLayout.VERSION)
                .containsEntry("SHM4J_TYPE_MUTEX", (long) SyncLayout.TYPE_MUTEX)
                .containsEntry("SHM4J_PID_MASK", (long) SyncLayout.PID_MASK)
                .containsEntry("SHM4J_NOT_RECOVERABLE", (long) SyncLayout.NOT_RECOVERABLE)
                .containsEntry("SHM4J_OWNER_DIED", (long) SyncLayout.OWNER_DIED)
                .containsEntry("SHM4J_WAITERS", (long) SyncLayout.WAITERS)
                .containsEntry("SHM4J_TOKEN_OWNER_DIED", SyncLayout.TOKEN_OWNER_DIED);
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
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = arena.allocate(64, 64);
            SharedMutex mutex = SharedMutex.create(mem);
            byte[] magic = mem.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
            assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("SYNC");
            assertThat(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4))
                    .isEqualTo((short) 2);
            assertThat(mem.get(ValueLayout.JAVA_SHORT, 6)).isEqualTo(SyncLayout.TYPE_MUTEX);
            assertThat(mem.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(ProcessHandle.current().pid());
            mutex.lock();
            long pid = ProcessHandle.current().pid();
            assertThat(mem.get(ValueLayout.JAVA_INT, 32)).isEqualTo((int) pid);
            long identity = mem.get(ValueLayout.JAVA_LONG, 40);
            assertThat(identity >>> 42).isEqualTo(pid);
            assertThat(identity & ((1L << 42) - 1)).isEqualTo(ProcessIdentity.current().startTicks());
            long token = mem.get(ValueLayout.JAVA_LONG, 48);
            assertThat(token & (1L << 62)).as("bit 62 keeps a token nonzero").isNotZero();
            assertThat(token & SyncLayout.TOKEN_OWNER_DIED).isZero();
            mutex.unlock();
            assertThat(mem.get(ValueLayout.JAVA_INT, 32)).isZero();
            assertThat(mem.get(ValueLayout.JAVA_LONG, 48)).as("token cleared").isZero();
            assertThat(mem.get(ValueLayout.JAVA_LONG, 40)).as("identity kept").isEqualTo(identity);

            // Another thread of this process writes another token, differing in the thread id only.
            long[] other = new long[2];
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    mutex.lock();
                    other[0] = mem.get(ValueLayout.JAVA_LONG, 48);
                    other[1] = Thread.currentThread().threadId();
                    mutex.unlock();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
            assertThat(other[0] ^ other[1]).isEqualTo(token ^ Thread.currentThread().threadId());
            assertThat(other[0]).isNotEqualTo(token);
        }
    }
}
