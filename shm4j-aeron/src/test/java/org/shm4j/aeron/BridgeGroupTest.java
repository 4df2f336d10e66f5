package org.shm4j.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.shm4j.aeron.BridgeTestResources.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.RingType;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.NoLeaks;

/** Several ends on one thread: a {@link BridgeGroup} with its embedded driver in INVOKER mode. */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class BridgeGroupTest {
    private final BridgeTestResources resources = new BridgeTestResources();

    @AfterEach
    void cleanUp() throws Exception {
        resources.closeAll();
    }

    private static long bridgeThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("shm4j-bridge")).count();
    }

    @Test
    void twoGroupsCarryBothDirectionsOnOneThreadEach() throws Exception {
        String a = resources.spscRing("a", 1 << 16);
        String b = resources.spscRing("b", 1 << 16);
        String c = resources.spscRing("c", 1 << 16);
        String d = resources.spscRing("d", 1 << 16);
        String ab = channel();
        String cd = channel();
        long before = bridgeThreads();
        BridgeGroup left = resources.closeLater(BridgeGroup.start());
        BridgeGroup right = resources.closeLater(BridgeGroup.start());
        RingBridge leftSend = left.send(a, ab, 21);
        RingBridge leftReceive = left.receive(d, cd, 22);
        RingBridge rightReceive = right.receive(b, ab, 21);
        RingBridge rightSend = right.send(c, cd, 22);
        assertThat(bridgeThreads() - before).as("one thread per group").isEqualTo(2);
        assertThat(left.runner().runsDriver()).as("the embedded driver runs on the group's thread").isTrue();
        assertThat(leftSend.aeronDirectory()).isEqualTo(leftReceive.aeronDirectory()).isEqualTo(left.aeronDirectory());

        move(a, b, 0, 10_000);
        move(c, d, 0, 10_000);
        assertThat(rightReceive.stats().records()).isEqualTo(10_000);
        assertThat(leftReceive.stats().records()).isEqualTo(10_000);

        // Closing one end leaves the group's other ends running.
        leftSend.close();
        assertThat(BridgeStats.read(a + ".bridge.send.21").orElseThrow().alive()).isFalse();
        move(c, d, 10_000, 5_000);
        assertThat(rightSend.stats().records()).isEqualTo(15_000);
        assertThat(left.failure()).isEmpty();

        // Closing the group closes its ends and removes its driver's directory.
        String dir = left.aeronDirectory();
        left.close();
        assertThat(BridgeStats.read(d + ".bridge.receive.22").orElseThrow().alive()).isFalse();
        assertThatThrownBy(leftReceive::stats).isInstanceOf(IllegalStateException.class);
        assertThat(Path.of(dir)).doesNotExist();
        assertThatThrownBy(() -> left.send(a, ab, 23)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void optionsGoWhereTheyBelong() throws Exception {
        assertThatThrownBy(() -> BridgeGroup.start(BridgeOption.createRing(RingType.SPSC, 1 << 12)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("option=");
        BridgeGroup group = resources.closeLater(BridgeGroup.start());
        String a = resources.spscRing("a", 1 << 16);
        assertThatThrownBy(() -> group.send(a, channel(), 24,
                BridgeOption.idle(org.agrona.concurrent.BusySpinIdleStrategy::new)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("option=");
        assertThatThrownBy(() -> group.send(a, "udp://nothing", 24)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channel=");
        // A refused end leaves the ring free for the next one.
        String made = resources.ringName("made");
        group.receive(made, channel(), 25, BridgeOption.createRing(RingType.SPSC, 1 << 12));
        assertThat(Files.exists(Path.of("/dev/shm", made))).isTrue();
        assertThat(group.send(a, channel(), 24).stats().role()).isEqualTo("send");
    }

    /** Writes records {@code from..from+count-1} into {@code source} and checks each one out of {@code sink}. */
    private static void move(String source, String sink, long from, int count) throws Exception {
        try (SpscRing in = SpscRing.open(source);
                SpscRing out = SpscRing.open(sink);
                RingProducer producer = in.producer();
                RingConsumer consumer = out.consumer();
                Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            RingBridgeTest.Checker checker = new RingBridgeTest.Checker();
            checker.next = from;
            long sent = from;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (checker.received < count && System.nanoTime() < deadline) {
                if (sent < from + count && producer.offer(1, buf.asSlice(0, Records.fill(buf, sent)))) {
                    sent++;
                }
                consumer.poll(checker, 256);
            }
            assertThat(checker.received).as("records received").isEqualTo(count);
            assertThat(checker.losses).isZero();
        }
    }
}
