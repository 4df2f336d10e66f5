package org.shm4j.bench.harness;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** The peer side of a session: answers the commands {@link Session} sends until QUIT. */
public final class PeerLoop {
    private PeerLoop() {}

    public static void run(Channel channel, Spec spec) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(spec.maxMessageBytes(), 64);
            Protocol.setWord(buffer, 0, Protocol.HELLO);
            channel.send(buffer, Protocol.MIN_MESSAGE_BYTES);
            while (true) {
                int length = channel.receive(buffer);
                long op = length >= Protocol.COMMAND_BYTES ? Protocol.word(buffer, 0) : 0;
                if (op == Protocol.QUIT) {
                    return;
                } else if (op == Protocol.ECHO) {
                    echo(channel, buffer);
                } else if (op == Protocol.PRODUCE) {
                    produce(channel, spec, Protocol.word(buffer, 1), Protocol.word(buffer, 2), Protocol.word(buffer, 3));
                } else {
                    throw new IOException(Kv.format("unexpected command", "length", length, "op", op));
                }
            }
        }
    }

    private static void echo(Channel channel, MemorySegment buffer) throws IOException {
        while (true) {
            int length = channel.receive(buffer);
            channel.send(buffer, length);
            if (length >= Protocol.MIN_MESSAGE_BYTES && Protocol.word(buffer, 0) == Protocol.END) {
                return;
            }
        }
    }

    private static void produce(Channel channel, Spec spec, long messageBytes, long producers, long durationNanos)
            throws IOException {
        // Values from the harness are validated before they size anything.
        if (messageBytes < Protocol.MIN_MESSAGE_BYTES || messageBytes > spec.maxMessageBytes() || producers < 1
                || producers > spec.producers() || durationNanos < 0 || durationNanos > 600_000_000_000L) {
            throw new IOException(Kv.format("invalid produce command", "messageBytes", messageBytes,
                    "producers", producers, "durationNanos", durationNanos));
        }
        int size = (int) messageBytes;
        if (producers == 1) {
            produceFor(channel, size, durationNanos);
            return;
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
            threads.add(Thread.ofPlatform().name("producer-" + i).start(() -> {
                try {
                    produceFor(channel, size, durationNanos);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while producing", e);
            }
        }
        if (failure.get() != null) {
            throw new IOException("a producer failed", failure.get());
        }
    }

    private static void produceFor(Channel channel, int size, long durationNanos) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(size, 64);
            for (int i = Protocol.MIN_MESSAGE_BYTES; i < size; i++) {
                message.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            long end = System.nanoTime() + durationNanos;
            long seq = 0;
            // Reading the clock every 64 messages keeps it off the hot path of small messages; the
            // batch is a method of its own so the JIT compiles it early (by invocation count) instead
            // of waiting to replace this loop on the stack.
            do {
                seq = sendBatch(channel, message, size, seq);
            } while (System.nanoTime() - end < 0);
            Protocol.setWord(message, 0, Protocol.END);
            channel.send(message, Protocol.MIN_MESSAGE_BYTES);
        }
    }

    private static long sendBatch(Channel channel, MemorySegment message, int size, long seq) throws IOException {
        for (int i = 0; i < 64; i++) {
            Protocol.setWord(message, 0, seq + i);
            channel.send(message, size);
        }
        return seq + 64;
    }
}
