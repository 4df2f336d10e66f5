package org.shm4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code shm4j} command itself; the work is done by its subcommands. */
@Command(name = "shm4j", mixinStandardHelpOptions = true, versionProvider = Shm4jCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"See, inspect, copy data in and out of, and clean up shared memory (/dev/shm).", ""},
        subcommands = {LsCommand.class, InfoCommand.class, DumpCommand.class, CreateCommand.class, RmCommand.class,
                GcCommand.class, PutCommand.class, CatCommand.class, DfCommand.class, WatchCommand.class,
                DemoCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class, WarmUpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:error (one line says what failed; --verbose adds the stack trace)",
                "2:usage error"},
        footerHeading = "%nExamples:%n",
        footer = {"  shm4j ls                     list every segment, who maps it, whether its creator lives",
                "  shm4j demo                   watch two processes share memory",
                "  shm4j put orders --from data.bin && shm4j dump orders --length 64",
                "  shm4j gc                     show stale segments; 'shm4j gc --force' removes them",
                "", "Colours only on a terminal, never when NO_COLOR is set. Sizes take k, M, G, T suffixes.",
                "Shell completion: source <(shm4j completion)"})
final class Shm4jCommand implements Callable<Integer> {
    private final Io io;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    private boolean verbose;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    Shm4jCommand(Io io) {
        this.io = io;
    }

    Io io() {
        return io;
    }

    boolean verbose() {
        return verbose;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.USAGE;
    }

    /** The module's version, as Maven compiled it in. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var descriptor = Shm4jCommand.class.getModule().getDescriptor();
            String version = descriptor != null ? descriptor.rawVersion().orElse("dev") : "dev";
            return new String[] {"shm4j " + version, "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
