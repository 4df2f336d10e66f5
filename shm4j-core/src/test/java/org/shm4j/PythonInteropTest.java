package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Interop with Python's {@code multiprocessing.shared_memory}, both ways, and its resource-tracker
 * hazard: an attaching process registers the segment with its resource tracker, which unlinks it
 * when the process exits, although that process did not create it.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonInteropTest {
    private static final long SIZE = 64 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Attach, check Java's half, write the peer's half; optionally apply the 3.11 workaround. */
    private static final String ATTACH = """
            import sys
            from multiprocessing import shared_memory, resource_tracker
            name, size, workaround = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "workaround"
            shm = shared_memory.SharedMemory(name=name)
            if workaround:
                # Python registers attached segments too; its tracker would unlink ours at exit.
                resource_tracker.unregister(shm._name, "shared_memory")
            half = size // 2
            buf = shm.buf
            for i in range(half):
                if buf[i] != (i * 7 + 3) & 0xff:
                    print(f"PY MISMATCH at={i}"); sys.exit(7)
            print(f"PY SAW {half} bytes from Java, size={shm.size}")
            buf[half:size] = bytes((i * 11 + 5) & 0xff for i in range(half, size))
            print("PY WROTE")
            del buf
            shm.close()
            """;

    private static final String CREATE = """
            import sys
            from multiprocessing import shared_memory, resource_tracker
            name, size = sys.argv[1], int(sys.argv[2])
            shm = shared_memory.SharedMemory(name=name, create=True, size=size)
            resource_tracker.unregister(shm._name, "shared_memory")
            shm.buf[size // 2:size] = bytes((i * 11 + 5) & 0xff for i in range(size // 2, size))
            print("PY CREATED")
            shm.close()
            """;

    @BeforeAll
    static void needsPython() {
        assumeTrue(OsProbe.command("python3") != null, "python3 not installed");
    }

    private static ChildJvm python(String script, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        return ChildJvm.startCommand(command, Map.of(), "python3");
    }

    private static String pythonVersion() throws Exception {
        try (ChildJvm p = python("import sys; print('VERSION %d.%d' % sys.version_info[:2])")) {
            p.assertExitCode(0, WAIT);
            return p.output().replaceAll("(?s).*VERSION ([0-9.]+).*", "$1").trim();
        }
    }

    @Test
    void pythonReadsWhatJavaWroteAndJavaReadsTheReply() throws Exception {
        String name = TestNames.unique("py-interop");
        try (SharedMemory shm = SharedMemory.create(name, SIZE);
             MappedView view = shm.map()) {
            Interop.writeJavaPattern(view.segment(), 0, SIZE / 2);
            try (ChildJvm py = python(ATTACH, name, Long.toString(SIZE), "workaround")) {
                py.assertExitCode(0, WAIT);
                assertThat(py.output()).contains("PY SAW " + SIZE / 2 + " bytes from Java, size=" + SIZE)
                        .contains("PY WROTE");
            }
            assertThat(Interop.firstPeerMismatch(view.segment(), SIZE / 2, SIZE)).isEqualTo(-1);
            // With the workaround the segment outlives the Python process.
            Thread.sleep(500);
            assertThat(SharedMemory.exists(name)).isTrue();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void javaOpensWhatPythonCreated() throws Exception {
        String name = TestNames.unique("py-created");
        try {
            try (ChildJvm py = python(CREATE, name, Long.toString(SIZE))) {
                py.assertExitCode(0, WAIT);
                assertThat(py.output()).contains("PY CREATED");
            }
            try (SharedMemory shm = SharedMemory.open(name, Access.READ_ONLY);
                 MappedView view = shm.map()) {
                assertThat(shm.byteSize()).isEqualTo(SIZE);
                assertThat(Interop.firstPeerMismatch(view.segment(), SIZE / 2, SIZE)).isEqualTo(-1);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * Without the workaround, Python unlinks a segment it merely attached to when it exits (and
     * warns about "leaked shared_memory objects"). Java's mapping keeps working; the name is gone.
     * Python 3.13 added {@code track=False}, but tracking is still the default there.
     */
    @Test
    void withoutTheWorkaroundAnAttachingPythonRemovesTheSegmentAtExit() throws Exception {
        String version = pythonVersion();
        String name = TestNames.unique("py-hazard");
        try (SharedMemory shm = SharedMemory.create(name, SIZE);
             MappedView view = shm.map()) {
            Interop.writeJavaPattern(view.segment(), 0, SIZE / 2);
            try (ChildJvm py = python(ATTACH, name, Long.toString(SIZE), "no-workaround")) {
                py.assertExitCode(0, WAIT);
                // The tracker process unlinks and warns asynchronously, after the interpreter exits.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while ((SharedMemory.exists(name) || !py.output().contains("leaked shared_memory"))
                        && System.nanoTime() - deadline < 0) {
                    Thread.sleep(20);
                }
                assertThat(SharedMemory.exists(name)).as("Python %s removed the segment it attached to", version)
                        .isFalse();
                assertThat(py.output()).contains("There appear to be 1 leaked shared_memory objects");
            }
            assertThat(Interop.firstPeerMismatch(view.segment(), SIZE / 2, SIZE)).isEqualTo(-1);
        } finally {
            SharedMemory.remove(name);
        }
    }
}
