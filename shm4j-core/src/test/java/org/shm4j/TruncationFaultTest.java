package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * A view whose object another process truncated: the SIGBUS becomes a {@link SegmentFaultException}
 * naming the segment, in interpreted and in JIT-compiled code, and the JVM lives on.
 */
@ExtendWith(NoLeaks.class)
class TruncationFaultTest {
    private static final long SIZE = 16 * 4096;
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static void truncate(String name, long length) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(Path.of("/dev/shm", name).toFile(), "rw")) {
            f.setLength(length);
        }
    }

    @Test
    void aFaultBeyondTheTruncatedEndIsASegmentFaultNamingTheSegment() throws Exception {
        String name = TestNames.unique("truncated");
        try (SharedMemory shm = SharedMemory.create(name, SIZE);
             MappedView view = shm.map()) {
            view.segment().set(JAVA_LONG, SIZE - 8, 99L);
            truncate(name, 4096);

            assertThat((long) view.accessAndGet(s -> s.get(JAVA_LONG, 0))).isZero();
            assertThatThrownBy(() -> view.accessAndGet(s -> s.get(JAVA_LONG, SIZE - 8)))
                    .isInstanceOf(SegmentFaultException.class)
                    .hasMessageStartingWith("memory fault in view")
                    .hasMessageContaining("name=" + name)
                    .hasMessageContaining("viewLength=" + SIZE)
                    .hasMessageContaining("objectSize=4096")
                    .hasCauseInstanceOf(InternalError.class);
            assertThatThrownBy(() -> view.access(s -> s.fill((byte) 1)))
                    .isInstanceOf(SegmentFaultException.class);
            assertThatThrownBy(() -> view.access(s -> s.asSlice(8192).toArray(JAVA_BYTE)))
                    .isInstanceOf(SegmentFaultException.class);
            // A new view beyond the current end is refused before mapping.
            assertThatThrownBy(() -> shm.map(Access.READ_ONLY, 8192, 4096))
                    .isInstanceOf(SharedMemoryException.class)
                    .hasMessageContaining("currentSize=4096");

            // Restoring the size makes the view usable again (the truncated pages read as zeros).
            truncate(name, SIZE);
            assertThat((long) view.accessAndGet(s -> s.get(JAVA_LONG, SIZE - 8))).isZero();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Found by ObjectHeaderFuzzTest: the size of an object is another process's doing. */
    @Test
    void mappingAnObjectAnotherProcessLeftEmptyIsASharedMemoryException() throws Exception {
        String name = TestNames.unique("empty");
        try (SharedMemory _ = SharedMemory.create(name, SIZE)) {
            truncate(name, 0);
            try (SharedMemory opened = SharedMemory.open(name, Access.READ_ONLY)) {
                assertThatThrownBy(opened::map)
                        .isInstanceOf(SharedMemoryException.class)
                        .hasMessage("cannot map an empty object: name=" + name + ", byteSize=0");
                assertThatThrownBy(() -> opened.map(Access.READ_ONLY, 0, 4096))
                        .isInstanceOf(SharedMemoryException.class);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void anInternalErrorThatIsNotAFaultPassesThroughAccess() throws Exception {
        String name = TestNames.unique("not-a-fault");
        try (SharedMemory shm = SharedMemory.create(name, SIZE);
             MappedView view = shm.map()) {
            InternalError mine = new InternalError("not a memory fault");
            assertThatThrownBy(() -> view.access(s -> {
                throw mine;
            })).isSameAs(mine);
            IllegalStateException other = new IllegalStateException("action failed");
            assertThatThrownBy(() -> view.accessAndGet(s -> {
                throw other;
            })).isSameAs(other);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anotherProcessTruncatingIsASegmentFault() throws Exception {
        String name = TestNames.unique("truncated-by-child");
        try (SharedMemory shm = SharedMemory.create(name, SIZE);
             MappedView view = shm.map(Access.READ_ONLY, 100, 0)) {
            try (ChildJvm child = ChildJvm.start(Truncator.class, name, "0")) {
                child.assertExitCode(0, WAIT);
            }
            assertThatThrownBy(() -> view.access(s -> s.get(JAVA_BYTE, 0)))
                    .isInstanceOf(SegmentFaultException.class)
                    .hasMessageContaining("name=" + name)
                    .hasMessageContaining("viewOffset=100")
                    .hasMessageContaining("objectSize=0");
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * The same lambda is first run 50,000 times so the JIT compiles it, then the object shrinks
     * under it. Run in a child JVM with full tiered compilation so a crash would not take the
     * test JVM with it; the child reports what it caught and carries on.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aJitCompiledAccessLoopGetsASegmentFaultAndTheJvmLivesOn() throws Exception {
        String name = TestNames.unique("truncated-jit");
        try (ChildJvm child = ChildJvm.start(List.of(), HotLoop.class, Map.of(),
                List.of("-XX:TieredStopAtLevel=4", "-XX:-BackgroundCompilation"), name)) {
            child.assertExitCode(0, Duration.ofSeconds(150));
            assertThat(child.output())
                    .contains("WARM sum=")
                    .containsPattern("FAULT 1 SegmentFaultException memory fault in view.*name=" + name
                            + ".*objectSize=4096")
                    .contains("FAULT 100 SegmentFaultException")
                    .contains("ALIVE after faults");
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Args: name, new length. */
    public static final class Truncator {
        public static void main(String[] args) throws Exception {
            truncate(args[0], Long.parseLong(args[1]));
        }
    }

    public static final class HotLoop {
        public static void main(String[] args) throws Exception {
            String name = args[0];
            try (SharedMemory shm = SharedMemory.create(name, SIZE);
                 MappedView view = shm.map()) {
                view.segment().fill((byte) 1);
                ToLongFunction<MemorySegment> sumPages = s -> {
                    long sum = 0;
                    for (long i = 0; i < s.byteSize(); i += 512) {
                        sum += s.get(JAVA_BYTE, i);
                    }
                    return sum;
                };
                long sum = 0;
                for (int i = 0; i < 50_000; i++) {
                    sum += view.accessAndGet(s -> sumPages.applyAsLong(s));
                }
                System.out.println("WARM sum=" + sum);
                truncate(name, 4096);
                for (int i = 1; i <= 100; i++) {
                    try {
                        view.accessAndGet(s -> sumPages.applyAsLong(s));
                        System.out.println("NO FAULT " + i);
                    } catch (SegmentFaultException e) {
                        if (i == 1 || i == 100) {
                            System.out.println("FAULT " + i + " SegmentFaultException " + e.getMessage());
                        }
                    }
                }
                truncate(name, SIZE);
                System.out.println("ALIVE after faults, sum now " + view.accessAndGet(s -> sumPages.applyAsLong(s)));
            } finally {
                SharedMemory.remove(name);
            }
        }
    }
}
