package org.shm4j.cli;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * Hidden: the training run for the launcher's start-up cache (JDK 25 AOT cache). Runs the common
 * commands once, in this JVM, against a segment of its own, printing nothing; the JVM records the
 * classes they load and link.
 */
@Command(name = "__warm-up", hidden = true, description = "Training run for the launcher's start-up cache.")
final class WarmUpCommand extends BaseCommand {
    @Override
    public Integer call() {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Io quiet = new Io(new ByteArrayInputStream("warm-up data\n".getBytes(StandardCharsets.UTF_8)),
                OutputStream.nullOutputStream(), sink, false, false, Map.of());
        String name = "shm4j-warm-up-" + ProcessHandle.current().pid();
        int failures = 0;
        String[][] runs = {
            {"ls"}, {"ls", "--json"}, {"put", name}, {"info", name}, {"info", name, "--json"}, {"dump", name},
            {"cat", name}, {"ls", "--stale", "--match", name}, {"df"}, {"rm", name}, {"ls", "--help"},
            {"info", name}
        };
        for (String[] args : runs) {
            failures += Main.run(quiet, args) == Main.OK ? 0 : 1;
        }
        return failures == 1 ? Main.OK : Main.ERROR; // Only the last info (of the removed segment) fails.
    }
}
