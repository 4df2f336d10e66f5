package org.shm4j.ring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/** The three ring types behind one small interface, so contract tests run over all of them. */
enum RingKind {
    SPSC, MPSC, BROADCAST;

    /** One sending and one receiving end of a ring, plus the ring. */
    interface Link extends AutoCloseable {
        /** Sends a record; false when a record ring is full (a broadcast ring never is). */
        boolean send(int typeId, MemorySegment payload);

        int receive(RecordHandler handler, int limit);

        int receive(RecordHandler handler, int limit, Duration timeout) throws InterruptedException;

        long capacity();

        int maxPayload();

        RingStats stats();

        RingKind kind();

        @Override
        void close();
    }

    /** Creates a named ring of this kind with a producer and consumer (or transmitter and receiver). */
    Link create(String name, long capacity, WaitStrategy wait, RingOption... options) throws IOException {
        return switch (this) {
            case SPSC -> records(SpscRing.create(name, capacity, options), wait);
            case MPSC -> records(MpscRing.create(name, capacity, options), wait);
            case BROADCAST -> broadcast(BroadcastRing.create(name, capacity, options), wait);
        };
    }

    /** Formats a ring of this kind in {@code segment}. */
    Link format(MemorySegment segment, long capacity, RingOption... options) throws IOException {
        return switch (this) {
            case SPSC -> records(SpscRing.create(segment, capacity, options), WaitStrategy.spinThenYield());
            case MPSC -> records(MpscRing.create(segment, capacity, options), WaitStrategy.spinThenYield());
            case BROADCAST -> broadcast(BroadcastRing.create(segment, capacity, options), WaitStrategy.spinThenYield());
        };
    }

    private Link records(MessageRing ring, WaitStrategy wait) throws IOException {
        RingProducer producer = ring.producer(wait);
        RingConsumer consumer = ring.consumer(wait, Duration.ofSeconds(30));
        RingKind kind = this;
        return new Link() {
            @Override
            public boolean send(int typeId, MemorySegment payload) {
                return producer.offer(typeId, payload);
            }

            @Override
            public int receive(RecordHandler handler, int limit) {
                return consumer.poll(handler, limit);
            }

            @Override
            public int receive(RecordHandler handler, int limit, Duration timeout) throws InterruptedException {
                return consumer.poll(handler, limit, timeout);
            }

            @Override
            public long capacity() {
                return ring.capacityBytes();
            }

            @Override
            public int maxPayload() {
                return ring.maxPayloadBytes();
            }

            @Override
            public RingStats stats() {
                return ring.stats();
            }

            @Override
            public RingKind kind() {
                return kind;
            }

            @Override
            public void close() {
                ring.close();
            }
        };
    }

    private Link broadcast(BroadcastRing ring, WaitStrategy wait) throws IOException {
        BroadcastTransmitter tx = ring.transmitter();
        BroadcastReceiver rx = ring.receiver(wait);
        return new Link() {
            @Override
            public boolean send(int typeId, MemorySegment payload) {
                tx.transmit(typeId, payload);
                return true;
            }

            @Override
            public int receive(RecordHandler handler, int limit) {
                return rx.poll(handler, limit);
            }

            @Override
            public int receive(RecordHandler handler, int limit, Duration timeout) throws InterruptedException {
                return rx.poll(handler, limit, timeout);
            }

            @Override
            public long capacity() {
                return ring.capacityBytes();
            }

            @Override
            public int maxPayload() {
                return ring.maxPayloadBytes();
            }

            @Override
            public RingStats stats() {
                return ring.stats();
            }

            @Override
            public RingKind kind() {
                return BROADCAST;
            }

            @Override
            public void close() {
                ring.close();
            }
        };
    }
}
