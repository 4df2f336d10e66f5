package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The C reader ({@code interop/c/shm4j_map.h}, built with gcc) and the Python reader
 * ({@code interop/python/shm4j_map.py}) look keys up in a live map while two Java processes write
 * it, and never see a torn value. Skipped where gcc or python3 is missing.
 */
@ExtendWith(NoLeaks.class)
@Timeout(180)
class MapInteropTest {
    private static final Path INTEROP = Path.of("..", "interop").toAbsolutePath().normalize();
    private static final Path BIN = Path.of("target", "interop-bin").toAbsolutePath();
    private static final Path PYTHON = INTEROP.resolve("python").resolve("shm4j_map.py");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static boolean gcc;
    private static boolean python;

    @BeforeAll
    static void build() throws Exception {
        gcc = run(List.of("gcc", "--version")) == 0;
        python = run(List.of("python3", "--version")) == 0;
        if (gcc) {
            Files.createDirectories(BIN);
            int rc = run(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-D_GNU_SOURCE", "-o",
                    BIN.resolve("map_get").toString(), INTEROP.resolve("c").resolve("map_get.c").toString()));
            assertThat(rc).as("gcc map_get").isZero();
        }
    }

    private static int run(List<String> command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1; // not installed
        }
    }

    private static String runPeer(List<String> command) {
        try (ChildJvm peer = ChildJvm.startCommand(command, Map.of(), command.get(0))) {
            peer.assertExitCode(0, WAIT);
            return peer.output().strip();
        }
    }

    @Test
    void cAndPythonLookUpStringAndLongKeys() throws Exception {
        assumeTrue(gcc || python, "neither gcc nor python3 installed");
        String name = TestNames.unique("mapinterop");
        try (SharedMap map = SharedMap.create(name, MapSpec.of(100, 16, 64))) {
            map.strings().put("EURUSD", "1.0842");
            map.strings().put("caf\u00e9", "cr\u00e8me");
            map.longKeys().put(42, MapCrashTest.value(42, 7));
            String hex = HexFormat.of().formatHex(MapCrashTest.value(42, 7).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            List<List<String>> readers = new ArrayList<>();
            if (gcc) {
                readers.add(List.of(BIN.resolve("map_get").toString(), name));
            }
            if (python) {
                readers.add(List.of("python3", PYTHON.toString()));
            }
            for (List<String> reader : readers) {
                boolean c = !reader.get(0).equals("python3");
                assertThat(runPeer(command(reader, c, name, "get", "EURUSD"))).isEqualTo("1.0842");
                assertThat(runPeer(command(reader, c, name, "get", "caf\u00e9"))).isEqualTo("cr\u00e8me");
                assertThat(runPeer(command(reader, c, name, "get", "GBPUSD"))).isEqualTo("ABSENT");
                assertThat(runPeer(command(reader, c, name, "getlong", "42"))).isEqualTo(hex);
                assertThat(runPeer(command(reader, c, name, "getlong", "43"))).isEqualTo("ABSENT");
            }
            if (python) {
                assertThat(runPeer(List.of("python3", PYTHON.toString(), "stats", name))).contains("entries=3");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** {@code map_get <name> <cmd> <args>} or {@code python3 shm4j_map.py <cmd> <name> <args>}. */
    private static List<String> command(List<String> reader, boolean c, String name, String cmd, String... args) {
        List<String> command = new ArrayList<>(reader);
        if (c) {
            command.add(cmd);
        } else {
            command.add(cmd);
            command.add(name);
        }
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void cAndPythonNeverSeeATornValueWhileJavaProcessesWrite() throws Exception {
        assumeTrue(gcc || python, "neither gcc nor python3 installed");
        String name = TestNames.unique("mapinterop");
        List<ChildJvm> writers = new ArrayList<>();
        try (SharedMap map = SharedMap.create(name, new MapSpec(512, 8, MapCrashTest.VALUE_BYTES, 4))) {
            for (long base : new long[] {0, 1000}) {
                writers.add(ChildJvm.start(MapCrashTest.RandomWriter.class, name, Long.toString(base + 5),
                        Long.toString(base)));
            }
            for (ChildJvm w : writers) {
                w.awaitOutput("READY", WAIT);
            }
            List<ChildJvm> readers = new ArrayList<>();
            try {
                String keys = Integer.toString(MapCrashTest.Op.RANGE);
                if (gcc) {
                    readers.add(ChildJvm.startCommand(
                            List.of(BIN.resolve("map_get").toString(), name, "check", "3", keys), Map.of(), "map_get"));
                }
                if (python) {
                    readers.add(ChildJvm.startCommand(List.of("python3", PYTHON.toString(), "check", name, "3", keys),
                            Map.of(), "shm4j_map.py"));
                }
                for (ChildJvm r : readers) {
                    r.assertExitCode(0, WAIT);
                    assertThat(r.output()).startsWith("OK").doesNotContain("hits=0\n");
                }
            } finally {
                readers.forEach(ChildJvm::close);
            }
            for (ChildJvm w : writers) {
                assertThat(w.process().isAlive()).as("writer still running: %s", w.output()).isTrue();
                w.kill();
            }
            assertThat(map.check().problems()).isEmpty();
        } finally {
            writers.forEach(ChildJvm::close);
            SharedMemory.remove(name);
        }
    }
}
