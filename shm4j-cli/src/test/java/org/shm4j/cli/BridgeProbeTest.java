package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The bridge probe on hand-made state segments; shm4j-aeron's BridgeCliTest runs it on one a real
 * bridge wrote. Values read from the segment are checked, never trusted.
 */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class BridgeProbeTest {

    private static ByteBuffer state(int role, int ringLength, int channelLength) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, 0x5441545352423453L);
        b.putInt(8, 1);
        b.putInt(12, role);
        b.putLong(16, 0); // no owner
        b.putInt(32, 1001);
        b.putLong(104, 42);
        b.putInt(168, ringLength);
        b.putInt(172, channelLength);
        return b;
    }

    @Test
    void infoShowsRoleRingChannelAndCounters() throws Exception {
        String name = TestNames.unique("st") + ".bridge.send.1001";
        try {
            ByteBuffer b = state(1, 6, 30);
            b.put(176, "orders".getBytes(StandardCharsets.UTF_8));
            b.put(432, "aeron:udp?endpoint=10.0.0.2:401".getBytes(StandardCharsets.UTF_8), 0, 30);
            Files.write(Path.of("/dev/shm", name), b.array());
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("bridge", "role:", "send", "ring:", "orders", "stream:", "1001",
                    "channel:", "aeron:udp?endpoint=10.0.0.2:40", "records:", "42", "bridgeAlive:", "false");
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void lengthsOutOfRangeAreReportedNotUsed() throws Exception {
        String name = TestNames.unique("bad") + ".bridge.receive.1";
        try {
            Files.write(Path.of("/dev/shm", name), state(2, 1 << 30, -5).array());
            Cli.Result info = cli().run("info", name);
            assertThat(info.code()).as(info.toString()).isZero();
            assertThat(info.out()).contains("bridge", "fields out of range", "ringNameLength=1073741824");
            Files.write(Path.of("/dev/shm", name), java.util.Arrays.copyOf(state(2, 1, 1).array(), 100));
            Cli.Result truncated = cli().run("info", name);
            assertThat(truncated.out()).contains("bridge", "truncated");
        } finally {
            SharedMemory.remove(name);
        }
    }
}
