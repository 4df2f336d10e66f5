package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The command on a real pseudo-terminal ({@code script}, {@code tmux}) against the same command
 * piped: progress bars and in-place refresh only on the terminal.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TerminalTest {
    private static String shellQuote(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            b.append('\'').append(w.replace("'", "'\\''")).append("' ");
        }
        return b.toString();
    }

    private static List<String> shm4j(String... args) {
        List<String> command = new ArrayList<>(ChildJvm.javaCommand(Main.class, List.of()));
        command.addAll(List.of(args));
        return command;
    }

    private static boolean has(String tool) {
        return Files.isExecutable(Path.of("/usr/bin", tool)) || Files.isExecutable(Path.of("/bin", tool));
    }

    /** Runs a command and returns what it wrote to standard output and error, separately. */
    private static String[] run(List<String> command) throws Exception {
        Path out = Files.createTempFile("shm4j-term-", ".out");
        Path err = Files.createTempFile("shm4j-term-", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new String[] {Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err, StandardCharsets.ISO_8859_1), Integer.toString(p.exitValue())};
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void progressBarOnATerminalOnlyAndQuietWhenPiped(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(has("script"), "script(1) is not installed");
        Path input = dir.resolve("big.bin");
        Files.write(input, new byte[48 << 20]);
        String onTerminal = TestNames.unique("bar-tty");
        String piped = TestNames.unique("bar-pipe");
        try {
            String[] tty = run(List.of("script", "-qec",
                    shellQuote(shm4j("put", onTerminal, "--from", input.toString())), "/dev/null"));
            assertThat(tty[2]).as(tty[0] + tty[1]).isEqualTo("0");
            assertThat(tty[0]).contains("put " + onTerminal, "100%", "48/48", "MiB");
            assertThat(tty[0]).contains("\r");

            String[] pipe = run(shm4j("put", piped, "--from", input.toString()));
            assertThat(pipe[2]).as(pipe[1]).isEqualTo("0");
            assertThat(pipe[0]).isEmpty();
            assertThat(pipe[1]).isEmpty();

            String[] cat = run(List.of("script", "-qec",
                    shellQuote(shm4j("cat", onTerminal)) + " > " + dir.resolve("copy.bin"), "/dev/null"));
            assertThat(cat[0]).contains("cat " + onTerminal, "100%");
            assertThat(Files.mismatch(input, dir.resolve("copy.bin"))).isEqualTo(-1);
        } finally {
            SharedMemory.remove(onTerminal);
            SharedMemory.remove(piped);
        }
    }

    @Test
    void watchRefreshesInPlaceOnATerminalAndPrintsLinesWhenPiped() throws Exception {
        Assumptions.assumeTrue(has("tmux"), "tmux is not installed");
        String name = TestNames.unique("watch");
        SharedMemory.create(name, 4096).close();
        String socket = "shm4j-test-" + ProcessHandle.current().pid();
        Path done = Files.createTempFile("shm4j-watch-", ".done");
        Files.delete(done);
        try {
            String command = shellQuote(shm4j("watch", name, "--interval", "200ms", "--count", "8"))
                    + "; touch " + done + "; sleep 60";
            run(List.of("tmux", "-L", socket, "new-session", "-d", "-s", "w", "-x", "160", "-y", "40", command));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(done) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(done).as("watch did not finish in tmux").exists();
            String[] pane = run(List.of("tmux", "-L", socket, "capture-pane", "-p", "-t", "w"));
            String screen = pane[0];
            assertThat(screen).contains("shm4j watch " + name, "mapped by", "crc32");
            assertThat(screen.split("shm4j watch ", -1)).as(screen).hasSize(2);

            String[] piped = run(shm4j("watch", name, "--interval", "100ms", "--count", "4"));
            assertThat(piped[2]).as(piped[1]).isEqualTo("0");
            assertThat(piped[0].lines()).hasSize(4).allSatisfy(l -> assertThat(l).contains("size=4096", "crc32="));
            assertThat(piped[0]).doesNotContain("\u001b");
        } finally {
            run(List.of("tmux", "-L", socket, "kill-server"));
            Files.deleteIfExists(done);
            SharedMemory.remove(name);
        }
    }

}
