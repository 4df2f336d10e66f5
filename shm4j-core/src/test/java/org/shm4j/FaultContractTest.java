package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The fault contract the way it used to fail: a hot method that calls {@code view.accessAndGet}
 * is JIT-compiled (the access inlined into it), the object shrinks, and the method is called 1,000
 * more times on a lost page. Every call must end in {@link SegmentFaultException} naming the
 * object, and no raw {@link InternalError} may surface in the caller afterwards. Each fresh child
 * JVM checks a named object and a file mapping, reads, writes and three bulk operations; the test
 * runs children under C2 (full tiering), C2 with the accessor kept out of line, C1 only and the
 * interpreter. {@code -Pstress} runs many more children per mode.
 */
@ExtendWith(NoLeaks.class)
class FaultContractTest {
    private static final long SIZE = 16 * 4096;
    private static final long LOST = SIZE - 4096;
    private static final int WARM_CALLS = 200_000;
    private static final int FAULT_CALLS = 1_000;

    private static final List<String> C2 = List.of("-XX:TieredStopAtLevel=4");
    private static final List<String> C2_NOT_INLINED = List.of("-XX:TieredStopAtLevel=4",
            "-XX:CompileCommand=quiet", "-XX:CompileCommand=dontinline,org.shm4j.MappedView::access*");
    private static final List<String> C1 = List.of("-XX:TieredStopAtLevel=1");
    private static final List<String> INTERPRETER = List.of("-Xint");

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void everyFaultIsASegmentFaultInsideAccessInEveryExecutionMode() throws Exception {
        runChildren(3, C2);
        runChildren(1, C2_NOT_INLINED);
        runChildren(1, C1);
        runChildren(1, INTERPRETER);
    }

    @Test
    @Tag("stress")
    @Timeout(value = 3600, unit = TimeUnit.SECONDS)
    void stressManyFreshJvmsPerExecutionMode() throws Exception {
        int jvms = Integer.getInteger("shm4j.faultJvms", 25);
        runChildren(jvms, C2);
        runChildren(jvms / 2, C2_NOT_INLINED);
        runChildren(jvms / 2, C1);
        runChildren(3, INTERPRETER);
    }

    private static void runChildren(int count, List<String> jvmOptions) throws Exception {
        for (int i = 0; i < count; i++) {
            String name = TestNames.unique("fault-contract");
            Path file = Files.createTempFile("shm4j-fault-contract-", ".bin");
            Files.delete(file);
            try (ChildJvm child = ChildJvm.start(List.of(), Probe.class, Map.of(), jvmOptions, name,
                    file.toString())) {
                child.assertExitCode(0, Duration.ofSeconds(120));
                String out = child.output();
                assertThat(out).as("child %s with %s", i, jvmOptions)
                        .contains("ALIVE after faults")
                        .containsPattern("named read fault=1000 raw=0 none=0 first=memory fault in view.*name="
                                + name + ".*viewOffset=0, viewLength=65536, objectSize=4096")
                        .containsPattern("file read fault=1000 raw=0 none=0 first=memory fault in view.*name=.*"
                                + file.getFileName() + ".*objectSize=4096")
                        .doesNotContain("raw=1", "raw=2", "raw=3", "raw=4", "raw=5", "raw=6", "raw=7", "raw=8",
                                "raw=9");
            } finally {
                SharedMemory.remove(name);
                Files.deleteIfExists(file);
            }
        }
    }

    /** One operation on the view at an offset, through the safe path. */
    interface Op {
        long run(MappedView view, long offset);
    }

    static final byte[] PAGE = new byte[4096];

    static long read(MappedView view, long offset) {
        return view.accessAndGet(s -> s.get(JAVA_LONG, offset));
    }

    static long write(MappedView view, long offset) {
        view.access(s -> s.set(JAVA_LONG, offset, offset));
        return 1;
    }

    static long copyOut(MappedView view, long offset) {
        return view.accessAndGet(s -> s.asSlice(offset, 4096).toArray(JAVA_BYTE)).length;
    }

    static long copyIn(MappedView view, long offset) {
        view.access(s -> MemorySegment.copy(MemorySegment.ofArray(PAGE), 0, s, offset, 4096));
        return 1;
    }

    static long fill(MappedView view, long offset) {
        view.access(s -> s.asSlice(offset, 4096).fill((byte) 1));
        return 1;
    }

    /** The action fails on its own after the faulting read: the fault still wins. */
    static long readThenThrow(MappedView view, long offset) {
        return view.accessAndGet(s -> {
            long v = s.get(JAVA_LONG, offset);
            if (offset == LOST) {
                throw new IllegalStateException("action failed after reading " + v);
            }
            return v;
        });
    }

    /** Args: object name, file path. Exit 0 when every fault was a SegmentFaultException. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            String name = args[0];
            Path file = Path.of(args[1]);
            List<String> names = List.of("read", "write", "copyOut", "copyIn", "fill", "readThenThrow");
            List<Op> ops = List.of(FaultContractTest::read, FaultContractTest::write, FaultContractTest::copyOut,
                    FaultContractTest::copyIn, FaultContractTest::fill, FaultContractTest::readThenThrow);
            boolean clean = true;
            try (SharedMemory named = SharedMemory.create(name, SIZE);
                 SharedMemory mapped = SharedMemory.mapFile(file, SIZE, Access.READ_WRITE,
                         SegmentOption.Disposition.CREATE_NEW);
                 MappedView namedView = named.map();
                 MappedView fileView = mapped.map()) {
                Path namedPath = Path.of("/dev/shm", name);
                List<MappedView> views = List.of(namedView, fileView);
                List<Path> paths = List.of(namedPath, file);
                List<String> kinds = List.of("named", "file");
                long sum = 0;
                for (int k = 0; k < 2; k++) {
                    for (int o = 0; o < ops.size(); o++) {
                        for (int i = 0; i < WARM_CALLS / (o == 0 || o == 1 ? 1 : 20); i++) {
                            sum += ops.get(o).run(views.get(k), (i & 14) * 4096L);
                        }
                    }
                }
                System.out.println("WARM sum=" + sum);
                for (int k = 0; k < 2; k++) {
                    truncate(paths.get(k), 4096);
                    for (int o = 0; o < ops.size(); o++) {
                        int fault = 0;
                        int raw = 0;
                        int none = 0;
                        String first = "";
                        for (int i = 0; i < FAULT_CALLS; i++) {
                            try {
                                sum += ops.get(o).run(views.get(k), LOST);
                                none++;
                            } catch (SegmentFaultException e) {
                                if (fault++ == 0) {
                                    first = e.getMessage();
                                }
                            } catch (InternalError | IllegalStateException e) {
                                raw++;
                            }
                        }
                        clean &= raw == 0 && none == 0;
                        System.out.println(kinds.get(k) + " " + names.get(o) + " fault=" + fault + " raw=" + raw
                                + " none=" + none + " first=" + first);
                    }
                    truncate(paths.get(k), SIZE);
                }
                System.out.println("ALIVE after faults, read now " + read(namedView, LOST) + read(fileView, LOST));
            } finally {
                SharedMemory.remove(name);
                Files.deleteIfExists(file);
            }
            System.exit(clean ? 0 : 1);
        }

        private static void truncate(Path path, long length) throws Exception {
            try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
                f.setLength(length);
            }
        }
    }
}
