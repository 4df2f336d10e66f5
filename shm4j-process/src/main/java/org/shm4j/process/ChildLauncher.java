package org.shm4j.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Starts a child process: a JVM running a {@code main} class with this JVM's {@code java} and
 * jars, or any program. The caller chooses the JVM flags (tests want a fast start, benchmark peers
 * want the JIT they measure), where the standard streams go, and extra environment variables; the
 * returned {@link Child} bounds every wait and kills the child on {@link Child#close()}.
 *
 * {@snippet :
 * try (Child peer = ChildLauncher.java(Peer.class)
 *         .jvmOptions(List.of("-XX:+UseSerialGC"))
 *         .arguments("orders")
 *         .start()) {
 *     peer.awaitExit(Duration.ofSeconds(30)); // empty when it still runs
 * }
 * }
 */
public final class ChildLauncher {
    /** Where the child's standard input and output go. */
    public enum Stdio {
        /** Standard output into the child's log file (see {@link Child#output()}); input from {@code /dev/null}. */
        LOG,
        /**
         * Standard input and output are pipes to this process ({@link Process#getOutputStream()} and
         * {@link Process#getInputStream()}).
         */
        PIPE,
        /** This process's own standard input and output. */
        INHERIT
    }

    /** Where the child's standard error goes. */
    public enum Errors {
        /** Together with standard output, wherever {@link Stdio} sends it. */
        WITH_OUTPUT,
        /** Into the child's log file. */
        LOG,
        /** This process's own standard error. */
        INHERIT
    }

    private final Class<?> mainClass;
    private final List<String> program;
    private final List<String> prefix = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> arguments = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Stdio stdio = Stdio.LOG;
    private Errors errors = Errors.WITH_OUTPUT;
    private Path logDirectory;
    private String description;

    private ChildLauncher(Class<?> mainClass, List<String> program, String description) {
        this.mainClass = mainClass;
        this.program = program;
        this.description = description;
    }

    /**
     * A JVM running {@code mainClass.main}: {@code java.home}'s {@code java}, and the jars of this
     * JVM, as a module ({@code -p}, {@code -m}, native access for {@code org.shm4j}) when
     * {@code mainClass} is in a named module started from a module path, on the class path (native
     * access for {@code ALL-UNNAMED}) otherwise.
     */
    public static ChildLauncher java(Class<?> mainClass) {
        Objects.requireNonNull(mainClass, "mainClass");
        return new ChildLauncher(mainClass, List.of(), mainClass.getSimpleName());
    }

    /** Any program: {@code command} is the program and its arguments. */
    public static ChildLauncher command(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        return new ChildLauncher(null, List.copyOf(command), command.getFirst());
    }

    /** The {@code java} of the running JVM. */
    public static Path javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** Words before the command, such as {@code setpriv --reuid=65534 --} or {@code unshare -m --}. */
    public ChildLauncher prefix(List<String> words) {
        prefix.addAll(words);
        return this;
    }

    /** JVM options, after the launcher's own ({@code --enable-native-access}) and before the class path. */
    public ChildLauncher jvmOptions(List<String> options) {
        requireJava("jvmOptions");
        jvmOptions.addAll(options);
        return this;
    }

    /** Arguments of {@code main} (or of the program), after those given before. */
    public ChildLauncher arguments(List<String> args) {
        arguments.addAll(args);
        return this;
    }

    /** Arguments of {@code main} (or of the program), after those given before. */
    public ChildLauncher arguments(String... args) {
        return arguments(List.of(args));
    }

    /** Extra environment variables; the child inherits this process's others. */
    public ChildLauncher environment(Map<String, String> variables) {
        environment.putAll(variables);
        return this;
    }

    /** Where standard input and output go; {@link Stdio#LOG} unless set. */
    public ChildLauncher stdio(Stdio where) {
        stdio = Objects.requireNonNull(where, "stdio");
        return this;
    }

    /** Where standard error goes; {@link Errors#WITH_OUTPUT} unless set. */
    public ChildLauncher errors(Errors where) {
        errors = Objects.requireNonNull(where, "errors");
        return this;
    }

    /** The directory of the log file; the system's temporary directory unless set. */
    public ChildLauncher logDirectory(Path directory) {
        logDirectory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /** The name in messages about the child; the main class's simple name or the program unless set. */
    public ChildLauncher description(String text) {
        description = Objects.requireNonNull(text, "description");
        return this;
    }

    /** The whole command line: prefix, program (or {@code java}, its options and main class), arguments. */
    public List<String> command() {
        List<String> command = new ArrayList<>(prefix);
        if (mainClass == null) {
            command.addAll(program);
        } else {
            command.add(javaExecutable().toString());
            Module module = mainClass.getModule();
            String modulePath = System.getProperty("jdk.module.path");
            boolean asModule = module.isNamed() && modulePath != null;
            command.add(asModule ? "--enable-native-access=org.shm4j" : "--enable-native-access=ALL-UNNAMED");
            command.addAll(jvmOptions);
            if (asModule) {
                command.addAll(List.of("-p", modulePath, "-m", module.getName() + "/" + mainClass.getName()));
            } else {
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
            }
        }
        command.addAll(arguments);
        return command;
    }

    /**
     * Starts the child.
     *
     * @throws IOException if the log file cannot be made or the program cannot be started (no such
     *     file, not executable)
     */
    public Child start() throws IOException {
        List<String> command = command();
        Path log = null;
        if (stdio == Stdio.LOG || errors == Errors.LOG) {
            log = logDirectory == null ? Files.createTempFile("shm4j-child-", ".log")
                    : Files.createTempFile(Files.createDirectories(logDirectory), "shm4j-child-", ".log");
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        switch (stdio) {
            case LOG -> builder.redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            case PIPE -> builder.redirectOutput(ProcessBuilder.Redirect.PIPE)
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            case INHERIT -> builder.redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT);
        }
        switch (errors) {
            case WITH_OUTPUT -> builder.redirectErrorStream(true);
            case LOG -> builder.redirectError(log.toFile());
            case INHERIT -> builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        try {
            return new Child(builder.start(), log, description);
        } catch (IOException e) {
            if (log != null) {
                Files.deleteIfExists(log);
            }
            throw new IOException("cannot start child: description=" + description + ", command=" + command, e);
        }
    }

    private void requireJava(String what) {
        if (mainClass == null) {
            throw new IllegalStateException(what + " applies to a JVM child only: description=" + description);
        }
    }
}
