package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.SharedMemory;
import org.shm4j.WrongObjectKindException;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** {@code openOrCreate} of every ring type: create when free, open when there, never two creators. */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class RingOpenOrCreateTest {

    static MessageRing openOrCreate(RingType type, String name, long capacity, RingOption... options)
            throws Exception {
        return type == RingType.SPSC ? SpscRing.openOrCreate(name, capacity, options)
                : MpscRing.openOrCreate(name, capacity, options);
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void createsAFreeNameThenOpensTheSameRing(RingType type) throws Exception {
        String name = TestNames.unique("ooc");
        try (MessageRing first = openOrCreate(type, name, 4096);
             MessageRing second = openOrCreate(type, name, 4096)) {
            assertThat(first.created()).isTrue();
            assertThat(second.created()).isFalse();
            assertThat(second.type()).isEqualTo(type);
            MemorySegment payload = MemorySegment.ofArray(new long[] {42});
            assertThat(second.producer().offer(7, payload)).isTrue();
            List<Long> got = new ArrayList<>();
            assertThat(first.consumer().poll((t, p) -> got.add(t + p.get(ValueLayout.JAVA_LONG_UNALIGNED, 0))))
                    .isEqualTo(1);
            assertThat(got).containsExactly(49L);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void createdIsTrueAfterCreateAndFalseAfterOpen() throws Exception {
        String name = TestNames.unique("ooccreated");
        try (SpscRing created = SpscRing.create(name, 1024); MessageRing opened = MessageRing.open(name)) {
            assertThat(created.created()).isTrue();
            assertThat(opened.created()).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void ofManyRacingCallersExactlyOneCreates(RingType type) throws Exception {
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            for (int round = 0; round < 5; round++) {
                String name = TestNames.unique("oocrace");
                CyclicBarrier start = new CyclicBarrier(callers);
                List<Future<MessageRing>> rings = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    Callable<MessageRing> call = () -> {
                        start.await(10, TimeUnit.SECONDS);
                        return openOrCreate(type, name, 8192);
                    };
                    rings.add(pool.submit(call));
                }
                List<MessageRing> opened = new ArrayList<>();
                try {
                    for (Future<MessageRing> f : rings) {
                        opened.add(f.get(30, TimeUnit.SECONDS));
                    }
                    assertThat(opened).filteredOn(MessageRing::created).hasSize(1);
                    assertThat(opened).allSatisfy(r -> assertThat(r.capacityBytes()).isEqualTo(8192));
                } finally {
                    for (Future<MessageRing> f : rings) {
                        try {
                            f.get(30, TimeUnit.SECONDS).close();
                        } catch (java.util.concurrent.ExecutionException failed) {
                            // Reported by the loop above; nothing was opened.
                        }
                    }
                    SharedMemory.remove(name);
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void anExistingRingOfAnotherCapacityIsRejectedAndLeftAsItWas() throws Exception {
        String name = TestNames.unique("ooccap");
        try (SpscRing ring = SpscRing.create(name, 4096)) {
            RingProducer producer = ring.producer();
            assertThat(producer.offer(3, MemorySegment.ofArray(new byte[8]))).isTrue();
            assertThatThrownBy(() -> SpscRing.openOrCreate(name, 8192))
                    .isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("another capacity")
                    .hasMessageContaining("capacity=4096")
                    .hasMessageContaining("requested=8192");
            assertThat(ring.stats().messagesWritten()).isEqualTo(1);
            assertThat(ring.consumer().poll((t, p) -> assertThat(t).isEqualTo(3))).isEqualTo(1);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void anExistingRingOfAnotherTypeIsRejected() throws Exception {
        String name = TestNames.unique("ooctype");
        try (MpscRing ring = MpscRing.create(name, 4096)) {
            assertThatThrownBy(() -> SpscRing.openOrCreate(name, 4096)).isInstanceOf(WrongObjectKindException.class)
                    .hasMessageContaining("found=mpsc-ring");
            assertThatThrownBy(() -> BroadcastRing.openOrCreate(name, 4096))
                    .isInstanceOf(WrongObjectKindException.class);
            assertThat(ring.stats().capacityBytes()).isEqualTo(4096);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aNameHoldingSomethingThatIsNotARingIsRejectedAfterTheOpenTimeout() throws Exception {
        String name = TestNames.unique("oocplain");
        try (SharedMemory plain = SharedMemory.create(name, SpscRing.requiredBytes(4096))) {
            assertThatThrownBy(() -> SpscRing.openOrCreate(name, 4096,
                    RingOption.openTimeout(Duration.ofMillis(100))))
                    .isInstanceOf(RingNotInitializedException.class);
            assertThat(plain.byteSize()).isEqualTo(SpscRing.requiredBytes(4096));
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aBadCapacityIsRejectedBeforeAnythingIsCreated() {
        String name = TestNames.unique("oocbad");
        assertThatThrownBy(() -> SpscRing.openOrCreate(name, 1000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity=1000");
        assertThat(Files.exists(Path.of("/dev/shm", name))).isFalse();
    }

    @Test
    void broadcastRingsOpenOrCreateToo() throws Exception {
        String name = TestNames.unique("oocbroadcast");
        try (BroadcastRing first = BroadcastRing.openOrCreate(name, 4096);
             BroadcastRing second = BroadcastRing.openOrCreate(name, 4096)) {
            assertThat(first.created()).isTrue();
            assertThat(second.created()).isFalse();
            BroadcastReceiver rx = second.receiver();
            first.transmitter().transmit(5, MemorySegment.ofArray(new byte[16]));
            List<Integer> types = new ArrayList<>();
            assertThat(rx.poll((t, p) -> types.add(t), 10)).isEqualTo(1);
            assertThat(types).containsExactly(5);
            assertThatThrownBy(() -> BroadcastRing.openOrCreate(name, 8192))
                    .isInstanceOf(RingFormatException.class).hasMessageContaining("requested=8192");
        } finally {
            SharedMemory.remove(name);
        }
    }
}
