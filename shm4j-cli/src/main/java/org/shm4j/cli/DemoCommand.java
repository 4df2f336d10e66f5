package org.shm4j.cli;

import java.time.Duration;
import org.shm4j.cli.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shm4j demo}: two processes sharing memory, narrated. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a second process (a JVM running shm4j's demo peer), share a named segment with it",
                "both ways -- this process writes, the peer reads and answers, this process reads the",
                "answer -- say what happened at each step, and remove the segment. Takes a few seconds."},
        footerHeading = "%nExamples:%n", footer = {"  shm4j demo"})
final class DemoCommand extends BaseCommand {
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Durations.Converter.class,
            description = "Give up after this long (default ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Override
    public Integer call() throws Exception {
        Colours c = colours();
        int code = new Demo(out(), io().err(), c::bold, c::green, timeout).run();
        out().flush();
        flushOut();
        return code;
    }
}
