package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.Lifetime;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.CloseUnderLoad;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.ProcSelf;
import org.shm4j.testkit.TestNames;

/**
 * A named map is read by absolute address (the constant-segment rule of
 * {@code org.shm4j.internal.block.Absolute}), so its mapping must never be unmapped under a thread
 * inside a call. Closing the map while other threads get (both forms), read in place, iterate and
 * write at full speed must end every one of them with {@link IllegalStateException} only: never a
 * crash (a SIGSEGV would kill this JVM), never a wrong answer reported as a miss, never a
 * corruption report; and once they have ended, the shared memory is no longer mapped.
 */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class MapCloseUnderLoadTest {
    private static final int ROUNDS = 150;
    private static final int KEYS = 256;

    @Test
    void closingTheMapWhileOtherThreadsUseItEndsThemWithIllegalStateException() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String name = TestNames.unique("mapclose");
            try {
                SharedMap map = SharedMap.create(name, MapSpec.of(KEYS * 2, 8, 64));
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment v = arena.allocate(64);
                    for (long k = 0; k < KEYS; k++) {
                        v.set(ValueLayout.JAVA_LONG, 0, k);
                        map.longKeys().put(k, v);
                    }
                }
                List<Throwable> ends = CloseUnderLoad.close(map, Duration.ofMillis(3), List.of(() -> use(map, 0),
                        () -> use(map, 1), () -> use(map, 2), () -> use(map, 3), () -> use(map, 4)));
                for (int kind = 0; kind < ends.size(); kind++) {
                    assertThat(ends.get(kind)).as("round %d, kind %d", round, kind)
                            .isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
                }
                assertThat(ProcSelf.maps(name)).as("round %d: mapped after close", round).isFalse();
                assertThatThrownBy(() -> map.longKeys().get(1, MemorySegment.ofArray(new byte[64])))
                        .isInstanceOf(IllegalStateException.class);
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @Test
    void closingANamedMapLetsGoOfItsDescriptorAndItsReferenceCountedNameAtOnce() throws Exception {
        String name = TestNames.unique("mapfd");
        try {
            try (SharedMap keep = SharedMap.create(name, MapSpec.of(64, 8, 8))) {
                assertThat(keep.created()).isTrue();
                int before = ProcSelf.openDescriptors();
                // Without a GC in between: the detached address ranges wait for one, nothing else.
                for (int i = 0; i < 1_000; i++) {
                    try (SharedMap m = SharedMap.open(name)) {
                        assertThat(m.longKeys().get(1, MemorySegment.ofArray(new byte[8]))).isEqualTo(-1);
                    }
                }
                assertThat(ProcSelf.openDescriptors()).isLessThanOrEqualTo(before + 2);
            }
            String counted = TestNames.unique("maprc");
            SharedMap m = SharedMap.create(counted, MapSpec.of(64, 8, 8), MapOption.segment(Lifetime.REFERENCE_COUNTED));
            assertThat(Path.of("/dev/shm", counted)).exists();
            m.close();
            assertThat(Path.of("/dev/shm", counted)).as("the last handle removes the name").doesNotExist();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Uses the map in one way until a call throws; returns what it threw (or an AssertionError). */
    private static Throwable use(SharedMap map, int kind) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(8, 8);
            MemorySegment into = arena.allocate(64, 8);
            MemorySegment value = arena.allocate(64, 8);
            for (long i = 0; ; i++) {
                long k = i % KEYS;
                switch (kind) {
                    case 0 -> {
                        key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, k);
                        check(map.get(key, into) == 64 && into.get(ValueLayout.JAVA_LONG, 0) == k, "get", k);
                    }
                    case 1 -> check(map.longKeys().get(k, into) == 64 && into.get(ValueLayout.JAVA_LONG, 0) == k,
                            "longKeys().get", k);
                    case 2 -> {
                        key.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, k);
                        Long seen = map.read(key, s -> s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                        check(seen != null && seen == k, "read", k);
                    }
                    case 3 -> {
                        int n = 0;
                        for (SharedMap.Entry e : map) {
                            n++;
                        }
                        check(n == KEYS, "iteration count", n);
                    }
                    default -> {
                        // Rewrites every key with the same bytes, so the readers' checks stay true.
                        value.set(ValueLayout.JAVA_LONG, 0, k);
                        map.longKeys().put(k, value);
                    }
                }
            }
        } catch (Throwable t) {
            return t;
        }
    }

    private static void check(boolean ok, String what, long k) {
        if (!ok) {
            // A miss or wrong bytes instead of IllegalStateException: the closed map's zeros leaked out.
            throw new AssertionError(what + " gave a wrong answer for key " + k);
        }
    }
}
