package org.shm4j.fuzz;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.shm4j.ring.BroadcastReceiver;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingClaim;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.RingStats;
import org.shm4j.ring.SpscRing;
import org.shm4j.ring.WaitStrategy;

/**
 * Rings whose memory a hostile process rewrote, through the public API: a ring is formatted in
 * native memory and filled with records (some left claimed, as by a producer that died between
 * claim and commit), then the fuzzer's bytes overwrite header words and record headers, and the
 * ring is opened and read: {@code open(segment)} (the header parser), {@code consumer().poll} (record
 * headers, the claim-skip path with a 1 ms skip timeout), {@code producer} claims and offers over
 * the hostile positions, the broadcast receiver, and {@code RingStats.read} (what the CLI shows).
 * Regression inputs: {@code src/test/resources/org/shm4j/fuzz/RingFuzzTestInputs/<target>}.
 */
class RingFuzzTest {
    private static final RecordHandler READ_ALL = (typeId, payload) -> payload.toArray(JAVA_BYTE);

    @FuzzTest(maxDuration = "5m")
    void spsc(FuzzedDataProvider data) {
        Hostile.bounded(() -> regionRing(data, false));
    }

    @FuzzTest(maxDuration = "5m")
    void mpsc(FuzzedDataProvider data) {
        Hostile.bounded(() -> regionRing(data, true));
    }

    @FuzzTest(maxDuration = "5m")
    void broadcast(FuzzedDataProvider data) {
        Hostile.bounded(() -> broadcastRing(data));
    }

    private static void regionRing(FuzzedDataProvider data, boolean mpsc) throws Exception {
        long capacity = 1L << data.consumeInt(6, 12);
        long required = mpsc ? MpscRing.requiredBytes(capacity) : SpscRing.requiredBytes(capacity);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(required, 64);
            try (MessageRing ring = mpsc ? (MessageRing) MpscRing.create(memory, capacity)
                    : (MessageRing) SpscRing.create(memory, capacity)) {
                RingProducer producer = ring.producer();
                fill(data, producer);
                // Left open, as by a producer that died: its role stays taken in the header.
            }
            Hostile.overwrite(data, memory, RingStats.HEADER_BYTES, 12);
            MemorySegment attached = shorter(data, memory);
            Hostile.typed(() -> RingStats.read(attached));
            MessageRing ring = Hostile.typed(() -> mpsc ? (MessageRing) MpscRing.open(attached)
                    : (MessageRing) SpscRing.open(attached));
            if (ring == null) {
                return;
            }
            try (ring) {
                RingConsumer consumer = Hostile.typed(() -> ring instanceof SpscRing spsc
                        ? spsc.consumer(WaitStrategy.busySpin(), Duration.ofMillis(1))
                        : ((MpscRing) ring).consumer(WaitStrategy.busySpin(), Duration.ofMillis(1)));
                if (consumer != null) {
                    for (int i = 0; i < 4; i++) {
                        Hostile.typed(() -> consumer.poll(READ_ALL, 64));
                        if (i == 1) {
                            Thread.sleep(2); // past the skip timeout: claimed records are skipped
                        }
                    }
                    Hostile.typed(() -> consumer.poll(READ_ALL, 64, Duration.ofMillis(1)));
                }
                RingProducer producer = Hostile.typed(() -> ring.producer());
                if (producer != null) {
                    Hostile.typed(() -> {
                        fill(data, producer);
                        return null;
                    });
                }
                if (consumer != null) {
                    Hostile.typed(() -> consumer.poll(READ_ALL, 64));
                }
            }
        }
    }

    private static void broadcastRing(FuzzedDataProvider data) throws Exception {
        long capacity = 1L << data.consumeInt(6, 12);
        long required = BroadcastRing.requiredBytes(capacity);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(required, 64);
            BroadcastRing formatted = BroadcastRing.create(memory, capacity);
            BroadcastReceiver early = formatted.receiver();
            BroadcastTransmitter transmitter = formatted.transmitter();
            int records = data.consumeInt(0, 40);
            byte[] payload = new byte[Math.min(transmitter.maxPayloadBytes(), 300)];
            for (int i = 0; i < records; i++) {
                int length = data.consumeInt(0, payload.length);
                transmitter.transmit(data.consumeInt(0, 1000), MemorySegment.ofArray(payload).asSlice(0, length));
            }
            Hostile.overwrite(data, memory, RingStats.HEADER_BYTES, 12);
            Hostile.typed(() -> early.poll(READ_ALL, 64));
            MemorySegment attached = shorter(data, memory);
            Hostile.typed(() -> RingStats.read(attached));
            BroadcastRing ring = Hostile.typed(() -> BroadcastRing.open(attached));
            if (ring == null) {
                return;
            }
            try (ring) {
                BroadcastReceiver receiver = Hostile.typed(ring::receiver);
                if (receiver == null) {
                    return;
                }
                for (int i = 0; i < 3; i++) {
                    Hostile.typed(() -> receiver.poll(READ_ALL, 64));
                }
                Hostile.typed(() -> receiver.poll(READ_ALL, 64, Duration.ofMillis(1)));
                Hostile.typed(() -> {
                    BroadcastTransmitter second = ring.transmitter();
                    // The attached header may give a smaller ring than was formatted: its limit applies.
                    second.transmit(7, MemorySegment.ofArray(new byte[data.consumeInt(0,
                            Math.min(64, second.maxPayloadBytes()))]));
                    return null;
                });
                Hostile.typed(() -> receiver.poll(READ_ALL, 64));
            }
        }
    }

    /** Offers records of fuzzer-chosen lengths and leaves some claims open (never committed). */
    private static void fill(FuzzedDataProvider data, RingProducer producer) {
        int records = data.consumeInt(0, 40);
        byte[] payload = new byte[Math.min(producer.maxPayloadBytes(), 300)];
        for (int i = 0; i < records; i++) {
            int length = data.consumeInt(0, payload.length);
            if (data.consumeInt(0, 7) == 0) {
                RingClaim claim = producer.tryClaim(data.consumeInt(0, 1000), length);
                if (claim != null) {
                    claim.segment().fill((byte) 0x5A);
                    return; // a claim that is never committed: the consumer must skip it
                }
            } else if (!producer.offer(data.consumeInt(0, 1000), MemorySegment.ofArray(payload).asSlice(0, length))) {
                return;
            }
        }
    }

    /** The memory as attached: sometimes shorter than the ring, as a truncated object would be. */
    private static MemorySegment shorter(FuzzedDataProvider data, MemorySegment memory) {
        if (data.consumeInt(0, 7) != 0) {
            return memory;
        }
        long cut = data.consumeLong(0, memory.byteSize());
        return memory.asSlice(0, memory.byteSize() - (cut & ~7L));
    }
}
