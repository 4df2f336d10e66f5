package org.shm4j.cli.demo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.shm4j.SharedMemory;
import org.shm4j.ring.RingProducer;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.SpscRing;

/**
 * The third step: a message ring. The parent creates a one-to-one ring and consumes; the peer
 * opens it by name and produces numbered 64-byte messages; the parent checks every number arrived
 * once and in order.
 */
final class RingStep implements DemoStep {
    static final int MESSAGES = 100_000;
    private static final int PAYLOAD_BYTES = 64;

    @Override
    public String id() {
        return "ring";
    }

    @Override
    public void parent(Demo.Session session) throws Exception {
        String name = session.namePrefix() + ".ring";
        SpscRing ring = SpscRing.create(name, 1 << 20);
        session.onExit(() -> {
            ring.close();
            SharedMemory.remove(name);
        });
        session.say("created the ring " + name + " (1 MiB, one producer, one consumer); consuming");
        long[] next = {0};
        boolean[] ordered = {true};
        long start = 0;
        try (RingConsumer consumer = ring.consumer()) {
            while (next[0] < MESSAGES) {
                int n = consumer.poll((type, payload) -> {
                    if (payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != next[0]) {
                        ordered[0] = false;
                    }
                    next[0]++;
                }, 1024, Duration.ofMillis(200));
                if (n > 0 && start == 0) {
                    start = System.nanoTime();
                }
                if (n == 0) {
                    session.checkProgress("the peer's messages");
                }
            }
        }
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        session.showPeer();
        if (!ordered[0]) {
            throw new Demo.DemoFailure("messages arrived out of order or were lost");
        }
        session.say(String.format("received all %,d messages in order in %.0f ms (cold JVMs: `shm4j bench` measures"
                + " steady state)", MESSAGES, seconds * 1e3));
    }

    @Override
    public void peer(DemoPeer.Session session) throws Exception {
        String name = session.namePrefix() + ".ring";
        try (SpscRing ring = open(session, name); RingProducer producer = ring.producer();
             Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(PAYLOAD_BYTES, 8);
            for (long i = 0; i < MESSAGES; i++) {
                message.set(ValueLayout.JAVA_LONG, 0, i);
                while (!producer.offer(1, message)) {
                    Thread.onSpinWait(); // full: the consumer is behind
                }
            }
            session.say("opened the ring by name and sent " + MESSAGES + " messages of " + PAYLOAD_BYTES + " bytes");
        }
    }

    private static SpscRing open(DemoPeer.Session session, String name) throws Exception {
        while (true) {
            try {
                return SpscRing.open(name);
            } catch (NoSuchFileException notYet) {
                session.pause("the ring " + name);
            }
        }
    }
}
