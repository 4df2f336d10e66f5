package org.shm4j.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.aeron.cli.BridgeCommand;
import org.shm4j.aeron.cli.BridgeMain;
import org.shm4j.cli.Io;
import org.shm4j.cli.Main;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;
import picocli.CommandLine;

/** The commands see bridges: {@code shm4j ls/info}, {@code shm4j bridge status}, and a clean stop on SIGTERM. */
@ExtendWith(NoLeaks.class)
@Timeout(90)
class BridgeCliTest {

    private static String channel() {
        return "aeron:udp?endpoint=127.0.0.1:" + (20000 + ThreadLocalRandom.current().nextInt(20000))
                + "|term-length=64k";
    }

    private static String shm4j(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), out, new PrintStream(err, true, StandardCharsets.UTF_8),
                false, false, Map.of());
        int code = Main.run(io, args);
        assertThat(code).as(out + "\n" + err).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String bridgeCommand(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new BridgeCommand());
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute(args)).as(out.toString()).isZero();
        return out.toString();
    }

    @Test
    void lsInfoAndStatusShowARunningBridgeWithItsPidAndChannel() throws Exception {
        String ring = TestNames.unique("bridged");
        String channel = channel();
        String pid = Long.toString(ProcessHandle.current().pid());
        try {
            SpscRing.create(ring, 1 << 12).close();
            try (RingBridge bridge = RingBridge.receive(ring, channel, 77)) {
                String state = bridge.stats().stateName();
                assertThat(state).isEqualTo(ring + ".bridge.receive.77");
                String info = shm4j("info", ring);
                assertThat(info).contains("bridge:", "receive pid " + pid, "stream 77", "channel " + channel);
                String stateInfo = shm4j("info", state);
                assertThat(stateInfo).contains("bridge", "role:", "receive", "bridgePid:", pid, channel);
                assertThat(shm4j("ls", "--match", ring + "*")).contains(state, "bridge");
                // The ring's own row names the bridge end, its process and its channel, also when
                // the listing leaves the state segment out.
                String row = shm4j("ls", "--match", ring).lines().filter(l -> l.startsWith(ring + " "))
                        .findFirst().orElseThrow();
                assertThat(row).contains("bridge receive pid " + pid + " ", "stream 77", channel);
                String json = shm4j("ls", "--json", "--match", ring).replaceAll("\\s+", "");
                assertThat(json).contains("\"bridges\":[{\"role\":\"receive\",\"bridgePid\":" + pid,
                        "\"channel\":\"" + channel + "\"");
                assertThat(bridgeCommand("status")).contains(ring, "receive", pid, channel);
            }
            // Stopped: status lists it only with --all; info says it is stopped.
            assertThat(bridgeCommand("status")).doesNotContain(ring);
            assertThat(bridgeCommand("status", "--all")).contains(ring, "stopped");
            assertThat(shm4j("info", ring)).contains("stopped");
            assertThat(shm4j("ls", "--match", ring)).contains("bridge receive stopped stream 77 " + channel);
            assertThat(BridgeStats.remove(ring, "receive", 77)).isTrue();
        } finally {
            SharedMemory.remove(ring);
            SharedMemory.remove(ring + ".bridge.receive.77");
        }
    }

    @Test
    void sigtermStopsTheBridgeCleanly() throws Exception {
        String ring = TestNames.unique("term");
        try {
            SpscRing.create(ring, 1 << 12).close();
            try (ChildJvm child = ChildJvm.start(BridgeMain.class, Map.of(),
                    List.of("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), "send", "--ring", ring,
                    "--channel", channel(), "--interval", "100ms")) {
                child.awaitOutput("bridge send started", Duration.ofSeconds(30));
                child.awaitOutput("waiting for peer", Duration.ofSeconds(30));
                String dir = child.output().replaceAll("(?s).*aeronDir=(\\S+).*", "$1");
                assertThat(Path.of(dir)).exists();
                child.process().destroy(); // SIGTERM
                int code = child.waitFor(Duration.ofSeconds(30));
                assertThat(code).as(child.output()).isIn(0, 143);
                assertThat(Path.of(dir)).as("embedded driver directory removed").doesNotExist();
                BridgeStats status = BridgeStats.read(ring + ".bridge.send.1001").orElseThrow();
                assertThat(status.pid()).as("ownership given up").isZero();
                assertThat(status.alive()).isFalse();
            }
        } finally {
            SharedMemory.remove(ring);
            SharedMemory.remove(ring + ".bridge.send.1001");
            assertThat(Files.exists(Path.of("/dev/shm", ring))).isFalse();
        }
    }
}
