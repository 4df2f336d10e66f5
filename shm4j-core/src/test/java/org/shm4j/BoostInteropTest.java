package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Boost.Interprocess opens a shm4j segment by the same name ({@code shared_memory_object}) and the
 * bytes agree both ways. Skipped where the Boost headers or g++ are not installed
 * ({@code apt-get install libboost-dev}).
 */
@ExtendWith(NoLeaks.class)
@Timeout(180)
class BoostInteropTest {

    @Test
    void boostSharedMemoryObjectOpensTheSameSegmentByName(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/include/boost/interprocess/shared_memory_object.hpp")),
                "Boost.Interprocess headers not installed");
        Path source = Path.of("src/test/cpp/boost_peer.cpp").toAbsolutePath();
        Path binary = dir.resolve("boost_peer");
        try (ChildJvm gxx = ChildJvm.startCommand(List.of("g++", "-O1", "-o", binary.toString(), source.toString(),
                "-lrt", "-pthread"), Map.of(), "g++")) {
            int rc = gxx.waitFor(Duration.ofSeconds(150));
            assumeTrue(rc == 0 || !gxx.output().contains("not found"), "g++ not usable: " + gxx.output());
            assertThat(rc).as(gxx.output()).isZero();
        }
        String name = TestNames.unique("boost");
        try (SharedMemory shm = SharedMemory.create(name, 8192); MappedView view = shm.map()) {
            AnonymousHandoffTest.writeString(view.segment(), 0, "hello boost");
            // Boost takes the name with or without the leading slash, like shm_open.
            try (ChildJvm peer = ChildJvm.startCommand(List.of(binary.toString(), "/" + name, "hello java"), Map.of(),
                    "boost peer")) {
                peer.assertExitCode(0, Duration.ofSeconds(30));
                assertThat(peer.output()).contains("boost read: hello boost").contains("size=8192");
            }
            assertThat(AnonymousHandoffTest.readString(view.segment(), 4096)).isEqualTo("hello java");
        } finally {
            SharedMemory.remove(name);
        }
    }
}
