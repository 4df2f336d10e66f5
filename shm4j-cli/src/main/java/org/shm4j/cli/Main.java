package org.shm4j.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Entry point of the {@code shm4j} command. Exit codes: 0 success, 1 error, 2 usage error.
 * No stack trace is printed unless {@code --verbose} is given.
 */
public final class Main {
    /** Exit code for success. */
    public static final int OK = 0;
    /** Exit code for a failure of the command. */
    public static final int ERROR = 1;
    /** Exit code for a command line that cannot be understood. */
    public static final int USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        Io io = Io.system();
        int code = run(io, args);
        try {
            io.out().flush();
        } catch (java.io.IOException ignored) {
            // Output already closed: nothing more to say.
        }
        io.err().flush();
        System.exit(code);
    }

    /** Runs the command with the given streams and returns the exit code; never throws. */
    public static int run(Io io, String... args) {
        try {
            return commandLine(io).execute(args);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            io.err().println("shm4j: internal error: " + Errors.describe(e));
            return ERROR;
        }
    }

    /** The picocli command line wired to {@code io}: help and errors to its streams, its colours. */
    public static CommandLine commandLine(Io io) {
        Shm4jCommand root = new Shm4jCommand(io);
        CommandLine cl = new CommandLine(root);
        PrintWriter out = new PrintWriter(new OutputStreamWriter(io.out(), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(io.err(), StandardCharsets.UTF_8), true);
        cl.setOut(out);
        cl.setErr(err);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(
                io.colour() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, command, parseResult) -> {
            if (e instanceof Errors.OutputClosedException) {
                return OK; // The reader left (| head): stop quietly.
            }
            String prefix = Errors.isInternal(e) ? "shm4j: internal error: " : "shm4j: ";
            command.getErr().println(prefix + Errors.describe(e));
            if (root.verbose()) {
                e.printStackTrace(command.getErr());
            } else if (Errors.isInternal(e)) {
                command.getErr().println("shm4j: run with --verbose for the stack trace");
            }
            command.getErr().flush();
            return ERROR;
        });
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println("shm4j: " + Text.safe(e.getMessage()));
            command.getErr().println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more.");
            command.getErr().flush();
            return USAGE;
        });
        cl.setExitCodeExceptionMapper(e -> ERROR);
        return cl;
    }
}
