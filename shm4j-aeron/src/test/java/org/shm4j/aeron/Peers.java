package org.shm4j.aeron;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.BroadcastTransmitter;
import org.shm4j.ring.MessageRing;
import org.shm4j.ring.RecordHandler;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingProducer;

/** The producer and consumer programs that the network tests run in JVMs of their own. */
final class Peers {
    private Peers() {}

    /**
     * {@code Producer RING COUNT PER_MILLI MODE}: writes records 0..COUNT-1 (see {@link Records}),
     * at most PER_MILLI a millisecond (0: as fast as the ring takes them). MODE {@code stream}
     * waits for room (up to 60 s a record); {@code fill} stops once {@code offer} has returned
     * false for 3 s on end and prints {@code FULL sent=N}; {@code broadcast} transmits into a
     * broadcast ring.
     */
    static final class Producer {
        public static void main(String[] args) throws Exception {
            String ring = args[0];
            long count = Long.parseLong(args[1]);
            int perMilli = Integer.parseInt(args[2]);
            String mode = args[3];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Records.MIN + 256);
                if (mode.equals("broadcast")) {
                    try (BroadcastRing r = BroadcastRing.open(ring); BroadcastTransmitter t = r.transmitter()) {
                        System.out.println("READY");
                        for (long i = 0; i < count; i++) {
                            t.transmit(1, buf.asSlice(0, Records.fill(buf, i)));
                            pace(i, perMilli);
                        }
                    }
                    System.out.println("SENT " + count);
                    return;
                }
                try (MessageRing r = MessageRing.open(ring); RingProducer p = r.producer()) {
                    System.out.println("READY");
                    long sent = 0;
                    long refusedSince = 0;
                    while (sent < count) {
                        MemorySegment record = buf.asSlice(0, Records.fill(buf, sent));
                        if (mode.equals("fill")) {
                            if (p.offer(1, record)) {
                                sent++;
                                refusedSince = 0;
                            } else if (refusedSince == 0) {
                                refusedSince = System.nanoTime();
                            } else if (System.nanoTime() - refusedSince > Duration.ofSeconds(3).toNanos()) {
                                System.out.println("FULL sent=" + sent);
                                return;
                            } else {
                                Thread.sleep(1);
                            }
                        } else {
                            if (!p.offer(1, record, Duration.ofSeconds(60))) {
                                System.out.println("STUCK sent=" + sent);
                                System.exit(3);
                            }
                            sent++;
                            pace(sent, perMilli);
                        }
                    }
                    System.out.println("SENT " + sent);
                }
            }
        }

        private static void pace(long i, int perMilli) throws InterruptedException {
            if (perMilli > 0 && i % perMilli == 0) {
                Thread.sleep(1);
            }
        }
    }

    /**
     * {@code Consumer RING COUNT TIMEOUT_SECONDS}: reads until record COUNT-1 arrived (COUNT 0:
     * until nothing came for 3 s). Every
     * record's checksum must match, indices must rise, and every skipped index must be covered by
     * loss notices. Prints {@code THIRD} and {@code TWO-THIRDS} on the way and
     * {@code RESULT received=R lost=L} at the end; exit 0 if complete, 2 on a violation, 3 on timeout.
     */
    static final class Consumer {
        public static void main(String[] args) throws Exception {
            String ring = args[0];
            long count = Long.parseLong(args[1]);
            long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[2])).toNanos();
            Check check = new Check();
            try (MessageRing r = MessageRing.open(ring); RingConsumer c = r.consumer()) {
                System.out.println("READY");
                boolean third = false;
                boolean twoThirds = false;
                long idleSince = System.nanoTime();
                while ((count == 0 || check.last < count - 1) && System.nanoTime() < deadline) {
                    if (c.poll(check, 256, Duration.ofMillis(20)) > 0) {
                        idleSince = System.nanoTime();
                    } else if (count == 0 && check.received > 0
                            && System.nanoTime() - idleSince > Duration.ofSeconds(3).toNanos()) {
                        break; // COUNT 0: until nothing came for 3 s
                    }
                    if (check.violation != null) {
                        System.out.println("VIOLATION " + check.violation);
                        System.out.println("RESULT received=" + check.received + " lost=" + check.lost);
                        System.exit(2);
                    }
                    if (!third && check.last >= count / 3) {
                        third = true;
                        System.out.println("THIRD");
                    }
                    if (!twoThirds && check.last >= 2 * count / 3) {
                        twoThirds = true;
                        System.out.println("TWO-THIRDS");
                    }
                }
                // Anything after the last record would be a repeat.
                c.poll(check, 256, Duration.ofMillis(300));
            }
            System.out.println("RESULT received=" + check.received + " lost=" + check.lost);
            if (check.violation != null) {
                System.out.println("VIOLATION " + check.violation);
                System.exit(2);
            }
            System.exit(count == 0 || check.last == count - 1 ? 0 : 3);
        }
    }

    static final class Check implements RecordHandler {
        long received;
        long lost;
        long last = -1;
        long noticedSinceLast;
        String violation;

        @Override
        public void onRecord(int typeId, MemorySegment payload) {
            if (violation != null) {
                return;
            }
            if (typeId == RingBridge.LOSS_TYPE_ID) {
                long n = payload.get(RingBridge.LE_LONG, 0);
                lost += n;
                noticedSinceLast += n;
                return;
            }
            long index;
            try {
                index = Records.check(payload);
            } catch (AssertionError e) {
                violation = e.getMessage();
                return;
            }
            if (index <= last) {
                violation = "repeat or reorder: record " + index + " after " + last;
            } else if (index - last - 1 > noticedSinceLast) {
                violation = "silent loss: record " + index + " after " + last + " with " + noticedSinceLast
                        + " noticed";
            }
            last = index;
            noticedSinceLast = 0;
            received++;
        }

        @Override
        public void onLoss(long lostRecords) {
            lost += lostRecords;
            noticedSinceLast += lostRecords;
        }
    }
}
