package org.shm4j.aeron.cli;

import picocli.CommandLine;

/**
 * Entry point of {@code shm4j bridge}, which the {@code ./shm4j} launcher runs in a JVM of its own
 * with the flags Aeron needs ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}), so
 * that the other commands load no Aeron and need no such flag.
 */
public final class BridgeMain {
    private BridgeMain() {}

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BridgeCommand()).setCommandName("shm4j bridge");
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("shm4j bridge: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            cmd.getErr().flush();
            return BridgeCommand.ERROR;
        });
        int code = cl.execute(args);
        System.exit(code);
    }
}
