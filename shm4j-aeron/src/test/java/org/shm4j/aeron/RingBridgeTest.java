package org.shm4j.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.shm4j.aeron.BridgeTestResources.channel;

import io.aeron.Aeron;
import io.aeron.Publication;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;

/** Both ends in this JVM, over loopback: the delivery rules that need no second network stack. */
@ExtendWith(NoLeaks.class)
@Timeout(120)
class RingBridgeTest {
    private final BridgeTestResources resources = new BridgeTestResources();

    @AfterEach
    void cleanUp() throws Exception {
        resources.closeAll();
    }

    @Test
    void recordsArriveOnceInOrderIntact() throws Exception {
        String a = resources.spscRing("a", 1 << 16);
        String b = resources.spscRing("b", 1 << 16);
        String channel = channel();
        RingBridge receiver = resources.closeLater(RingBridge.receive(b, channel, 7));
        RingBridge sender = resources.closeLater(RingBridge.send(a, channel, 7));
        SpscRing ringA = resources.closeLater(SpscRing.open(a));
        SpscRing ringB = resources.closeLater(SpscRing.open(b));
        RingProducer producer = resources.closeLater(ringA.producer());
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        Checker checker = new Checker();
        int total = 20_000;
        int sent = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            while (checker.received < total && System.nanoTime() < deadline) {
                if (sent < total) {
                    int len = Records.fill(buf, sent);
                    if (producer.offer(sent % 100, buf.asSlice(0, len))) {
                        sent++;
                    }
                }
                consumer.poll(checker, 256);
            }
        }
        assertThat(checker.received).as("records received").isEqualTo(total);
        assertThat(checker.losses).isZero();
        assertThat(sender.stats().records()).isEqualTo(total);
        assertThat(receiver.stats().records()).isEqualTo(total);
        assertThat(receiver.stats().connected()).isTrue();
        assertThat(receiver.stats().lostRecords()).isZero();
        assertThat(receiver.stats().duplicateFrames()).isZero();
    }

    @Test
    void fullRemoteRingBacksUpToTheLocalProducerAndLosesNothing() throws Exception {
        String a = resources.spscRing("a", 1 << 12);
        String b = resources.spscRing("b", 1 << 12);
        String channel = channel();
        RingBridge receiver = resources.closeLater(RingBridge.receive(b, channel, 8));
        RingBridge sender = resources.closeLater(RingBridge.send(a, channel, 8));
        SpscRing ringA = resources.closeLater(SpscRing.open(a));
        RingProducer producer = resources.closeLater(ringA.producer());
        awaitConnected(sender);
        int sent = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int refusedInARow = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            // Nobody reads ring b: everything in between fills, then the local offer says false.
            while (refusedInARow < 2000 && System.nanoTime() < deadline) {
                int len = Records.fill(buf, sent);
                if (producer.offer(1, buf.asSlice(0, len))) {
                    sent++;
                    refusedInARow = 0;
                } else {
                    refusedInARow++;
                    Thread.sleep(1);
                }
            }
        }
        assertThat(refusedInARow).as("local offer refused while the remote ring is full").isGreaterThanOrEqualTo(2000);
        assertThat(receiver.stats().backPressureEvents()).isPositive();
        SpscRing ringB = resources.closeLater(SpscRing.open(b));
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        Checker checker = new Checker();
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (checker.received < sent && System.nanoTime() < deadline) {
            consumer.poll(checker, 256, Duration.ofMillis(10));
        }
        assertThat(checker.received).isEqualTo(sent);
        assertThat(checker.losses).isZero();
    }

    @Test
    void foreignAndMalformedFramesAreRefusedAndCounted() throws Exception {
        String b = resources.spscRing("b", 1 << 12);
        String channel = channel();
        RingBridge receiver = resources.closeLater(RingBridge.receive(b, channel, 9));
        SpscRing ringB = resources.closeLater(SpscRing.open(b));
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(receiver.aeronDirectory()));
                Publication pub = aeron.addPublication(channel, 9)) {
            UnsafeBuffer buf = new UnsafeBuffer(new byte[256]);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!pub.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // Each frame below would carry one 8-byte record (type 1) if it were well formed.
            int len = BridgeFrame.HEADER_LENGTH + BridgeFrame.RECORD_HEADER_LENGTH + 8;
            List<Runnable> frames = List.of(
                    () -> { // not our magic
                        good(buf, 1, 8);
                        buf.putInt(0, 0x12345678);
                    },
                    () -> { // other protocol version
                        good(buf, 1, 8);
                        buf.putShort(BridgeFrame.VERSION_OFFSET, (short) 2);
                    },
                    () -> { // body length larger than the message
                        good(buf, 1, 8);
                        buf.putInt(BridgeFrame.BODY_LENGTH_OFFSET, 100);
                    },
                    () -> good(buf, 1, 100), // record length beyond the message
                    () -> good(buf, -5, 8), // negative type
                    () -> { // a loss entry of 0 records
                        good(buf, RingBridge.LOSS_TYPE_ID, 8);
                        buf.putLong(BridgeFrame.HEADER_LENGTH + BridgeFrame.RECORD_HEADER_LENGTH, 0);
                    },
                    () -> { // two records claimed, one present
                        good(buf, 1, 8);
                        buf.putInt(BridgeFrame.COUNT_OFFSET, 2);
                    },
                    () -> { // sequence 0
                        good(buf, 1, 8);
                        buf.putLong(BridgeFrame.SEQUENCE_OFFSET, 0);
                    });
            for (Runnable frame : frames) {
                buf.setMemory(0, 256, (byte) 0);
                frame.run();
                while (pub.offer(buf, 0, len) < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
            buf.putInt(0, 0x0badf00d);
            while (pub.offer(buf, 0, 4) < 0 && System.nanoTime() < deadline) {
                Thread.sleep(1); // shorter than a header
            }
            // Then one good frame.
            good(buf, 3, 8);
            buf.putLong(BridgeFrame.HEADER_LENGTH + BridgeFrame.RECORD_HEADER_LENGTH, 77);
            while (pub.offer(buf, 0, len) < 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            List<Long> got = new ArrayList<>();
            while (got.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll((type, payload) -> {
                    assertThat(type).isEqualTo(3);
                    got.add(payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                }, 10, Duration.ofMillis(10));
            }
            assertThat(got).containsExactly(77L);
            assertThat(receiver.stats().refusedFrames()).isEqualTo(9);
            assertThat(consumer.poll((t, p) -> {}, 10)).isZero();
        }
    }

    @Test
    void senderRestartedWithStateContinuesWithoutLossOrRepeat() throws Exception {
        String a = resources.spscRing("a", 1 << 16);
        String b = resources.spscRing("b", 1 << 16);
        String channel = channel();
        resources.closeLater(RingBridge.receive(b, channel, 10));
        SpscRing ringA = resources.closeLater(SpscRing.open(a));
        RingProducer producer = resources.closeLater(ringA.producer());
        SpscRing ringB = resources.closeLater(SpscRing.open(b));
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        Checker checker = new Checker();
        int sent = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            for (int round = 0; round < 2; round++) {
                try (RingBridge sender = RingBridge.send(a, channel, 10)) {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    int target = sent + 500;
                    while (checker.received < target && System.nanoTime() < deadline) {
                        if (sent < target && producer.offer(2, buf.asSlice(0, Records.fill(buf, sent)))) {
                            sent++;
                        }
                        consumer.poll(checker, 64);
                    }
                    assertThat(sender.stats().pid()).isEqualTo(ProcessHandle.current().pid());
                }
            }
        }
        assertThat(checker.received).isEqualTo(1000);
        assertThat(checker.losses).isZero();
    }

    @Test
    void aSecondSenderOnTheSameRingIsRefused() throws Exception {
        String a = resources.spscRing("a", 1 << 12);
        String channel = channel();
        resources.closeLater(RingBridge.send(a, channel, 11));
        assertThatThrownBy(() -> RingBridge.send(a, channel, 11)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> RingBridge.send(a, "udp://nothing", 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channel=");
    }

    @Test
    void steadyStateAllocatesNothingPerRecord() throws Exception {
        allocatesNothingPerRecord("ends");
    }

    @Test
    void steadyStateAllocatesNothingPerRecordOnAGroupThread() throws Exception {
        allocatesNothingPerRecord("group");
    }

    /**
     * {@code ends}: a thread per end, each also running its embedded driver (INVOKER mode);
     * {@code group}: one {@link BridgeGroup} thread running both ends and the driver. Measured with
     * {@code ThreadMXBean.getThreadAllocatedBytes} on those threads over 100,000 records.
     */
    private void allocatesNothingPerRecord(String layout) throws Exception {
        // In a JVM of its own, so that no other test's handlers make the ring's poll loop megamorphic.
        // Ring b is read by a consumer JVM that checks every record.
        String a = resources.spscRing("a", 1 << 16);
        String b = resources.spscRing("b", 1 << 16);
        try (ChildJvm consumer = ChildJvm.start(Peers.Consumer.class, b, "0", "120");
                ChildJvm child = ChildJvm.start(AllocationProbe.class, Map.of(),
                        List.of("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:TieredStopAtLevel=4"),
                        a, b, channel(), layout)) {
            child.assertExitCode(0, Duration.ofSeconds(110));
            consumer.assertExitCode(0, Duration.ofSeconds(60));
            Matcher sent = Pattern.compile("SENT (\\d+)").matcher(child.output());
            assertThat(sent.find()).as(child.output()).isTrue();
            assertThat(consumer.output()).contains("RESULT received=" + sent.group(1) + " lost=0");
            System.out.println(child.output());
            Matcher m = Pattern.compile("ALLOCATED send=(\\d+) receive=(\\d+)").matcher(child.output());
            assertThat(m.find()).as(child.output()).isTrue();
            assertThat(Long.parseLong(m.group(1))).as("bytes the sending end allocated for 100,000 records")
                    .isLessThan(20_000);
            assertThat(Long.parseLong(m.group(2))).as("bytes the receiving end allocated for 100,000 records")
                    .isLessThan(20_000);
        }
    }

    /**
     * {@code AllocationProbe RING_A RING_B CHANNEL LAYOUT}: moves records, then prints what each
     * bridge thread allocated (LAYOUT {@code group}: the one thread of a group, printed for both).
     */
    static final class AllocationProbe {
        public static void main(String[] args) throws Exception {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            boolean group = args[3].equals("group");
            try (BridgeGroup g = group ? BridgeGroup.start() : null;
                    RingBridge receiver = group ? g.receive(args[1], args[2], 12) : RingBridge.receive(args[1], args[2], 12);
                    RingBridge sender = group ? g.send(args[0], args[2], 12) : RingBridge.send(args[0], args[2], 12);
                    SpscRing ringA = SpscRing.open(args[0]);
                    RingProducer producer = ringA.producer();
                    Arena arena = Arena.ofConfined()) {
                awaitConnected(sender);
                awaitConnected(receiver);
                Thread sendThread = bridgeThread(group ? "group" : "send");
                Thread receiveThread = bridgeThread(group ? "group" : "receive");
                MemorySegment buf = arena.allocate(Records.MIN + 256);
                long index = 0;
                long send = 0;
                long receive = 0;
                // The first rounds warm up (JIT compilation, escape analysis, slower on a loaded
                // machine): rounds go on until one allocates (almost) nothing, at most 8.
                for (int round = 0; round < 8; round++) {
                    Thread.sleep(200); // the previous round has drained
                    long sendBefore = threads.getThreadAllocatedBytes(sendThread.threadId());
                    long receiveBefore = threads.getThreadAllocatedBytes(receiveThread.threadId());
                    for (int i = 0; i < 100_000; i++, index++) {
                        if (!producer.offer(1, buf.asSlice(0, Records.fill(buf, index, 52)), Duration.ofSeconds(20))) {
                            throw new AssertionError("ring full for 20 s at record " + index);
                        }
                    }
                    send = threads.getThreadAllocatedBytes(sendThread.threadId()) - sendBefore;
                    receive = threads.getThreadAllocatedBytes(receiveThread.threadId()) - receiveBefore;
                    System.out.println("round " + round + ": send=" + send + " receive=" + receive);
                    if (round >= 2 && send < 20_000 && receive < 20_000) {
                        break;
                    }
                }
                System.out.println("ALLOCATED send=" + send + " receive=" + receive);
                System.out.println("SENT " + index);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (receiver.stats().records() < index && System.nanoTime() < deadline) {
                    Thread.sleep(10); // let the last records reach ring b before closing
                }
            }
        }

        private static Thread bridgeThread(String role) {
            return Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("shm4j-bridge " + role)).findFirst().orElseThrow();
        }
    }

    @Test
    void onlyFatalAeronErrorsStopTheBridge() {
        assertThat(RingBridge.fatal(new io.aeron.exceptions.DriverTimeoutException("driver gone"))).isTrue();
        assertThat(RingBridge.fatal(new io.aeron.exceptions.AeronException("x",
                io.aeron.exceptions.AeronException.Category.FATAL))).isTrue();
        assertThat(RingBridge.fatal(new io.aeron.exceptions.AeronException("send failed",
                io.aeron.exceptions.AeronException.Category.ERROR))).isFalse();
        assertThat(RingBridge.fatal(new io.aeron.exceptions.AeronException("late",
                io.aeron.exceptions.AeronException.Category.WARN))).isFalse();
        assertThat(RingBridge.fatal(new OutOfMemoryError())).isTrue();
    }

    /** A frame with one record of {@code typeId} whose header says {@code payloadLength} (8 really follow). */
    private static void good(UnsafeBuffer buf, int typeId, int payloadLength) {
        BridgeFrame.writeHeader(buf, 1, BridgeFrame.RECORD_HEADER_LENGTH + 8, 42, 1);
        buf.putInt(BridgeFrame.HEADER_LENGTH, typeId);
        buf.putInt(BridgeFrame.HEADER_LENGTH + 4, payloadLength);
    }

    static void awaitConnected(RingBridge bridge) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!bridge.isConnected() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(bridge.isConnected()).as("connected: " + bridge).isTrue();
    }

    /** Checks each record: its index follows the previous one, and its bytes match its checksum. */
    static final class Checker implements RecordHandler {
        long received;
        long losses;
        long next;

        @Override
        public void onRecord(int typeId, MemorySegment payload) {
            if (typeId == RingBridge.LOSS_TYPE_ID) {
                long lost = payload.get(RingBridge.LE_LONG, 0);
                losses += lost;
                next += lost;
                return;
            }
            long index = Records.check(payload);
            if (index != next) {
                throw new AssertionError("record " + index + " where " + next + " was expected");
            }
            next++;
            received++;
        }
    }
}
