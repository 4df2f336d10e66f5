package org.shm4j.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.aeron.BridgeTestResources.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.ring.BroadcastReceiver;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.RingType;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.NoLeaks;

/** Ring shapes on either side (MPSC, broadcast), loss notices across bridges, records too large for the far ring. */
@ExtendWith(NoLeaks.class)
@Timeout(90)
class RingBridgeShapesTest {
    private final BridgeTestResources resources = new BridgeTestResources();

    @AfterEach
    void cleanUp() throws Exception {
        resources.closeAll();
    }

    @Test
    void mpscProducersKeepTheirOrderAcrossTheBridge() throws Exception {
        String a = resources.ringName("a");
        String b = resources.ringName("b");
        String channel = channel();
        MpscRing ringA = resources.closeLater(MpscRing.create(a, 1 << 16));
        resources.closeLater(RingBridge.receive(b, channel, 20, BridgeOption.createRing(RingType.SPSC, 1 << 16)));
        resources.closeLater(RingBridge.send(a, channel, 20));
        int producers = 3;
        int each = 5_000;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            RingProducer producer = resources.closeLater(ringA.producer());
            Thread t = Thread.ofPlatform().start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(16);
                    for (int i = 0; i < each; i++) {
                        buf.set(ValueLayout.JAVA_INT, 0, id);
                        buf.set(ValueLayout.JAVA_INT, 4, i);
                        if (!producer.offer(id, buf, Duration.ofSeconds(30))) {
                            throw new AssertionError("ring full for 30 s");
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads.add(t);
        }
        SpscRing ringB = resources.closeLater(SpscRing.open(b));
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        int[] next = new int[producers];
        int[] received = {0};
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (received[0] < producers * each && System.nanoTime() < deadline) {
            consumer.poll((type, payload) -> {
                int id = payload.get(ValueLayout.JAVA_INT, 0);
                int i = payload.get(ValueLayout.JAVA_INT, 4);
                assertThat(type).isEqualTo(id);
                assertThat(i).as("record of producer " + id).isEqualTo(next[id]);
                next[id]++;
                received[0]++;
            }, 256, Duration.ofMillis(10));
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(10));
        }
        assertThat(received[0]).isEqualTo(producers * each);
    }

    @Test
    void aBroadcastRingOnTheFarSideFeedsSeveralReceivers() throws Exception {
        String a = resources.ringName("a");
        String b = resources.ringName("b");
        String channel = channel();
        SpscRing ringA = resources.closeLater(SpscRing.create(a, 1 << 16));
        BroadcastRing ringB = resources.closeLater(BroadcastRing.create(b, 1 << 20));
        BroadcastReceiver r1 = resources.closeLater(ringB.receiver());
        BroadcastReceiver r2 = resources.closeLater(ringB.receiver());
        resources.closeLater(RingBridge.receive(b, channel, 21));
        resources.closeLater(RingBridge.send(a, channel, 21));
        RingProducer producer = resources.closeLater(ringA.producer());
        int total = 3_000;
        RingBridgeTest.Checker c1 = new RingBridgeTest.Checker();
        RingBridgeTest.Checker c2 = new RingBridgeTest.Checker();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            for (int i = 0; i < total; i++) {
                assertThat(producer.offer(1, buf.asSlice(0, Records.fill(buf, i)), Duration.ofSeconds(10))).isTrue();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((c1.received < total || c2.received < total) && System.nanoTime() < deadline) {
            r1.poll(c1, 256);
            r2.poll(c2, 256);
            Thread.sleep(1);
        }
        assertThat(c1.received).isEqualTo(total);
        assertThat(c2.received).isEqualTo(total);
        assertThat(c1.losses + c2.losses).isZero();
    }

    @Test
    void lossNoticesTravelOnAcrossABridgeAsLosses() throws Exception {
        String a = resources.ringName("a");
        String b = resources.ringName("b");
        String channel = channel();
        SpscRing ringA = resources.closeLater(SpscRing.create(a, 1 << 16));
        resources.closeLater(RingBridge.receive(b, channel, 22, BridgeOption.createRing(RingType.SPSC, 1 << 16)));
        resources.closeLater(RingBridge.send(a, channel, 22));
        RingProducer producer = resources.closeLater(ringA.producer());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = arena.allocate(8);
            MemorySegment notice = arena.allocate(RingBridge.LOSS_NOTICE_BYTES);
            notice.set(RingBridge.LE_LONG, 0, 5); // as an upstream bridge writes it
            record.set(ValueLayout.JAVA_LONG, 0, 100);
            assertThat(producer.offer(1, record)).isTrue();
            assertThat(producer.offer(RingBridge.LOSS_TYPE_ID, notice)).isTrue();
            record.set(ValueLayout.JAVA_LONG, 0, 101);
            assertThat(producer.offer(1, record)).isTrue();
        }
        SpscRing ringB = resources.closeLater(SpscRing.open(b));
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        List<String> seen = new ArrayList<>();
        RecordHandler handler = RingBridge.lossAware(new RecordHandler() {
            @Override
            public void onRecord(int typeId, MemorySegment payload) {
                seen.add("record " + payload.get(ValueLayout.JAVA_LONG, 0));
            }

            @Override
            public void onLoss(long lostRecords) {
                seen.add("lost " + lostRecords);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (seen.size() < 3 && System.nanoTime() < deadline) {
            consumer.poll(handler, 16, Duration.ofMillis(10));
        }
        assertThat(seen).containsExactly("record 100", "lost 5", "record 101");
    }

    @Test
    void bothEndsCanUseARunningMediaDriver() throws Exception {
        String a = resources.ringName("a");
        String b = resources.ringName("b");
        String channel = channel();
        java.nio.file.Path dir = java.nio.file.Path.of("/dev/shm", "shm4j-aeron-" + ProcessHandle.current().pid()
                + "-external" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (io.aeron.driver.MediaDriver _ = io.aeron.driver.MediaDriver.launch(new io.aeron.driver.MediaDriver.Context()
                .aeronDirectoryName(dir.toString()).threadingMode(io.aeron.driver.ThreadingMode.SHARED)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true))) {
            SpscRing ringA = resources.closeLater(SpscRing.create(a, 1 << 16));
            SpscRing ringB = resources.closeLater(SpscRing.create(b, 1 << 16));
            RingProducer producer = resources.closeLater(ringA.producer());
            RingConsumer consumer = resources.closeLater(ringB.consumer());
            RingBridgeTest.Checker checker = new RingBridgeTest.Checker();
            try (RingBridge receiver = RingBridge.receive(b, channel, 24, BridgeOption.externalDriver(dir));
                    RingBridge sender = RingBridge.send(a, channel, 24, BridgeOption.externalDriver(dir));
                    Arena arena = Arena.ofConfined()) {
                assertThat(sender.aeronDirectory()).isEqualTo(dir.toString());
                assertThat(receiver.aeronDirectory()).isEqualTo(dir.toString());
                MemorySegment buf = arena.allocate(1024);
                for (int i = 0; i < 1_000; i++) {
                    assertThat(producer.offer(1, buf.asSlice(0, Records.fill(buf, i)), Duration.ofSeconds(10))).isTrue();
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (checker.received < 1_000 && System.nanoTime() < deadline) {
                    consumer.poll(checker, 256, Duration.ofMillis(10));
                }
            }
            assertThat(checker.received).isEqualTo(1_000);
            assertThat(dir).as("an external driver's directory is not the bridge's to remove").exists();
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void aRecordTooLargeForTheFarRingIsRefusedAndAnnouncedAsLost() throws Exception {
        String a = resources.ringName("a");
        String b = resources.ringName("b");
        String channel = channel();
        SpscRing ringA = resources.closeLater(SpscRing.create(a, 1 << 16));
        SpscRing ringB = resources.closeLater(SpscRing.create(b, 1 << 12));
        RingBridge receiver = resources.closeLater(RingBridge.receive(b, channel, 23));
        resources.closeLater(RingBridge.send(a, channel, 23));
        RingProducer producer = resources.closeLater(ringA.producer());
        int big = ringB.maxPayloadBytes() + 1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(big);
            assertThat(producer.offer(1, buf.asSlice(0, Records.fill(buf, 0)))).isTrue();
            assertThat(producer.offer(1, buf.asSlice(0, Records.fill(buf, 1, big - Records.MIN)))).isTrue();
            assertThat(producer.offer(1, buf.asSlice(0, Records.fill(buf, 2)))).isTrue();
        }
        RingConsumer consumer = resources.closeLater(ringB.consumer());
        RingBridgeTest.Checker checker = new RingBridgeTest.Checker();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (checker.received < 2 && System.nanoTime() < deadline) {
            consumer.poll(checker, 16, Duration.ofMillis(10));
        }
        assertThat(checker.received).isEqualTo(2);
        assertThat(checker.losses).isEqualTo(1);
        assertThat(receiver.stats().refusedFrames()).isEqualTo(1);
        assertThat(receiver.stats().lostRecords()).isEqualTo(1);
    }
}
