package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.ChildJvm;

/**
 * {@code .ci/run}: installs libboost-dev as root where apt-get exists (so the Boost interop test runs
 * in CI), tolerates an install that fails, and then runs the README's test command unchanged. Run
 * against stubs of {@code id}, {@code apt-get} and {@code mvnw} in a copy of the script's directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CiScriptTest {
    private static final Path REPOSITORY = Interop.moduleDirectory().getParent();

    @TempDir
    Path dir;

    private String run(String uid, String aptExit) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path repo = Files.createDirectories(dir.resolve("repo/.ci"));
        Path log = dir.resolve("calls.log");
        Files.copy(REPOSITORY.resolve(".ci/run"), repo.resolve("run"));
        stub(bin.resolve("id"), "echo " + uid);
        stub(bin.resolve("apt-get"), "echo \"apt-get $*\" >> " + log + "; exit " + aptExit);
        stub(dir.resolve("repo/mvnw"), "echo \"mvnw $*\" >> " + log);
        List<String> command = List.of("bash", repo.resolve("run").toString());
        Map<String, String> env = Map.of("PATH", bin + ":/usr/bin:/bin",
                "SHM4J_BOOST_HEADER", dir.resolve("no-such-header.hpp").toString());
        try (ChildJvm script = ChildJvm.startCommand(command, env, ".ci/run")) {
            script.assertExitCode(0, Duration.ofSeconds(30));
        }
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static void stub(Path file, String body) throws Exception {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void asRootWithAptGetItInstallsBoostThenRunsTheReadmeCommand() throws Exception {
        String calls = run("0", "0");
        assertThat(calls.lines().toList()).containsExactly("apt-get update -qq",
                "apt-get install -y -qq --no-install-recommends libboost-dev", "mvnw -B verify");
    }

    @Test
    void aFailedInstallStillRunsTheTests() throws Exception {
        assertThat(run("0", "100").lines().toList()).containsExactly("apt-get update -qq", "mvnw -B verify");
    }

    @Test
    void notRootItInstallsNothing() throws Exception {
        assertThat(run("1000", "0").lines().toList()).containsExactly("mvnw -B verify");
    }

    @Test
    void theTestCommandIsTheReadmesUnchanged() throws Exception {
        String readmeLine = Files.readAllLines(REPOSITORY.resolve("README.md")).stream()
                .filter(l -> l.startsWith("./mvnw -B verify")).findFirst().orElseThrow();
        List<String> script = Files.readAllLines(REPOSITORY.resolve(".ci/run"));
        assertThat(script.getLast()).isEqualTo(readmeLine);
    }
}
