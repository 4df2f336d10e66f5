package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.NoLeaks;

@ExtendWith(NoLeaks.class)
class DemoTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void demoSharesASegmentBothWaysWithAChildProcessAndCleansUp() {
        Cli.Result demo = cli().run("demo");
        assertThat(demo.code()).as(demo.toString()).isZero();
        long me = ProcessHandle.current().pid();
        assertThat(demo.out()).contains(
                "[parent " + me + "] started a peer process, pid ",
                "[parent " + me + "] wrote \"hello from the parent, pid " + me + "\"",
                "read \"hello from the parent, pid " + me + "\" and wrote an answer",
                "read the peer's answer at offset 1088: \"hello back from the peer, pid ",
                "removed the segment shm4j-demo-" + me,
                "both directions worked");
        assertThat(demo.out().indexOf("[peer")).isGreaterThan(demo.out().indexOf("wrote \"hello"))
                .isLessThan(demo.out().indexOf("read the peer's answer"));
        assertThat(Path.of("/dev/shm/shm4j-demo-" + me)).doesNotExist();
    }
}
