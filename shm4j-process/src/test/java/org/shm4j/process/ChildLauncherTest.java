package org.shm4j.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChildLauncherTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> FAST = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** Prints its arguments, an environment variable, a system property, and one line on stderr. */
    public static final class Echo {
        public static void main(String[] args) {
            System.out.println("args=" + String.join(",", args));
            System.out.println("env=" + System.getenv("SHM4J_LAUNCH_TEST"));
            System.out.println("prop=" + System.getProperty("shm4j.launch.test"));
            System.err.println("on-stderr");
            System.exit(args.length);
        }
    }

    /** Sends every byte of stdin back, plus one, until stdin ends. */
    public static final class Plus {
        public static void main(String[] args) throws IOException {
            for (int b; (b = System.in.read()) >= 0; ) {
                System.out.write(b + 1);
                System.out.flush();
            }
        }
    }

    @Test
    void javaCommandUsesThisJavaAndClassPathWithNativeAccessThenOptionsThenArguments() {
        List<String> command = ChildLauncher.java(Echo.class).jvmOptions(List.of("-Xmx64m")).arguments("a", "b")
                .command();
        assertThat(command).containsExactly(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Echo.class.getName(), "a", "b");
    }

    @Test
    void prefixComesBeforeTheProgram() {
        assertThat(ChildLauncher.command(List.of("true")).prefix(List.of("nice", "--")).arguments("x").command())
                .containsExactly("nice", "--", "true", "x");
    }

    @Test
    void logCapturesOutputAndErrorsAndExitCodeAndCloseRemovesTheLog() throws Exception {
        Child child = ChildLauncher.java(Echo.class).jvmOptions(FAST)
                .jvmOptions(List.of("-Dshm4j.launch.test=p"))
                .environment(Map.of("SHM4J_LAUNCH_TEST", "e")).arguments("x", "y", "z").start();
        Path log;
        try (child) {
            assertThat(child.awaitExit(WAIT)).isEqualTo(OptionalInt.of(3));
            assertThat(child.output()).contains("args=x,y,z", "env=e", "prop=p", "on-stderr");
            log = child.log().orElseThrow();
            assertThat(log).exists();
        }
        assertThat(log).doesNotExist();
    }

    @Test
    void pipeConnectsStdinAndStdoutWhileErrorsGoToTheLog(@TempDir Path dir) throws Exception {
        try (Child child = ChildLauncher.java(Plus.class).jvmOptions(FAST).stdio(ChildLauncher.Stdio.PIPE)
                .errors(ChildLauncher.Errors.LOG).logDirectory(dir.resolve("logs")).start()) {
            OutputStream in = child.process().getOutputStream();
            InputStream out = child.process().getInputStream();
            in.write(41);
            in.flush();
            assertThat(out.read()).isEqualTo(42);
            in.close();
            assertThat(child.awaitExit(WAIT)).isEqualTo(OptionalInt.of(0));
            assertThat(child.log().orElseThrow().getParent()).isEqualTo(dir.resolve("logs"));
        }
    }

    @Test
    void pipeWithErrorsWithOutputMergesThemIntoOnePipeAndHasNoLog() throws Exception {
        try (Child child = ChildLauncher.java(Echo.class).jvmOptions(FAST).stdio(ChildLauncher.Stdio.PIPE).start()) {
            String all = new String(child.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(all).contains("args=", "on-stderr");
            assertThat(child.log()).isEmpty();
            assertThat(child.awaitExit(WAIT)).isEqualTo(OptionalInt.of(0));
        }
    }

    @Test
    void awaitExitIsEmptyWhileRunningAndCloseKillsTheChildAndItsDescendants() throws Exception {
        Child child = ChildLauncher.command(List.of("sh", "-c", "sleep 60 & sleep 60")).start();
        ProcessHandle handle = child.process().toHandle();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (handle.descendants().findAny().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<ProcessHandle> descendants = handle.descendants().toList();
        assertThat(descendants).isNotEmpty();
        assertThat(child.awaitExit(Duration.ofMillis(50))).isEmpty();
        assertThat(child.awaitExit(Duration.ZERO)).isEmpty();
        assertThatThrownBy(() -> child.awaitExit(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        child.close();
        child.close();
        assertThat(child.isAlive()).isFalse();
        for (ProcessHandle d : descendants) {
            assertThat(d.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }

    @Test
    void aMissingProgramFailsWithIoExceptionNamingItAndLeavesNoLog(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ChildLauncher.command(List.of(dir.resolve("no-such-program").toString()))
                .logDirectory(dir).description("missing").start())
                .isInstanceOf(IOException.class).hasMessageContaining("description=missing");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void jvmOptionsOnAProgramAreRejected() {
        assertThatThrownBy(() -> ChildLauncher.command(List.of("true")).jvmOptions(List.of("-Xmx1g")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ChildLauncher.command(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
