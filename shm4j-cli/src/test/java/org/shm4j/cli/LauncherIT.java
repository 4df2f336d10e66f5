package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** The real {@code ./shm4j} launcher at the repository root, on the jars this build packaged. */
@ExtendWith(NoLeaks.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    record Run(int code, String out, String err) {}

    private static Run launch(Path root, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("shm4j").toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("shm4j-it-", ".out");
        Path err = Files.createTempFile("shm4j-it-", ".err");
        try {
            ProcessBuilder b = new ProcessBuilder(command).directory(root.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            b.environment().putAll(env);
            Process p = b.start();
            if (!p.waitFor(500, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("launcher timed out: " + command);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void launcherRunsTheBuiltCommandWithoutRebuilding() throws Exception {
        Map<String, String> noBuild = Map.of("SHM4J_NO_BUILD", "1");
        Run version = launch(ROOT, noBuild, "--version");
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("shm4j 0.1.0");
        assertThat(version.err()).doesNotContain("building");

        String name = TestNames.unique("launcher");
        try {
            Run create = launch(ROOT, noBuild, "create", name, "--size", "1M");
            assertThat(create.code()).as(create.err()).isZero();
            Run ls = launch(ROOT, noBuild, "ls", "--match", name);
            assertThat(ls.out()).contains(name, "raw", "1.0 MiB");
            Run info = launch(ROOT, noBuild, "info", name, "--json");
            assertThat(info.out()).contains("\"name\" : \"" + name + "\"");
        } finally {
            Run rm = launch(ROOT, noBuild, "rm", "-f", name);
            assertThat(rm.code()).as(rm.err()).isZero();
        }
        Run usage = launch(ROOT, noBuild, "create");
        assertThat(usage.code()).isEqualTo(2);
        Run error = launch(ROOT, noBuild, "cat", TestNames.unique("absent"));
        assertThat(error.code()).isEqualTo(1);
        assertThat(error.err()).startsWith("shm4j: no such segment").doesNotContain("\tat ");
    }

    @Test
    void demoRunsAPeerOnTheModulePath() throws Exception {
        Run demo = launch(ROOT, Map.of("SHM4J_NO_BUILD", "1"), "demo");
        assertThat(demo.code()).as(demo.out() + demo.err()).isZero();
        assertThat(demo.out()).contains("hello back from the peer", "both directions worked");
    }

    @Test
    void theCommandShipsItsRuntimeModulesAndNoTestLibraries() throws Exception {
        List<String> jars;
        try (Stream<Path> lib = Files.list(ROOT.resolve("shm4j-cli/target/lib"))) {
            jars = lib.map(p -> p.getFileName().toString()).toList();
        }
        assertThat(jars).anyMatch(j -> j.startsWith("shm4j-core-")).anyMatch(j -> j.startsWith("shm4j-process-"))
                .noneMatch(j -> j.startsWith("junit-") || j.startsWith("shm4j-testkit-") || j.startsWith("assertj-")
                        || j.startsWith("opentest4j-"));
    }

    /** A copy of the sources with no build at all: the launcher builds on first use, then runs. */
    @Test
    @Tag("stress")
    void freshCopyBuildsOnFirstUse(@TempDir Path copy) throws Exception {
        for (String top : List.of("pom.xml", "mvnw", "shm4j", ".mvn", "bin", "shm4j-core", "shm4j-cli", "shm4j-testkit",
                "shm4j-process")) {
            copyTree(ROOT.resolve(top), copy.resolve(top));
        }
        Run first = launch(copy, Map.of(), "--version");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("shm4j: building the shm4j command");
        assertThat(first.out()).startsWith("shm4j 0.1.0");
        Run second = launch(copy, Map.of(), "df");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).doesNotContain("building");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().startsWith("target") || rel.toString().contains("/target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.createDirectories(dest.getParent());
                    Files.copy(p, dest, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
