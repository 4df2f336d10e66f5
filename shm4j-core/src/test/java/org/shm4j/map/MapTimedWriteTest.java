package org.shm4j.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The timed writes ({@code tryPut} and the others): a live writer in another process that keeps a
 * stripe locked makes them return empty after their timeout (and write nothing), readers go on
 * without waiting, waiting virtual threads park instead of pinning their carriers, and once the
 * holder is killed the next timed write repairs the stripe and succeeds.
 */
@ExtendWith(NoLeaks.class)
@Timeout(90)
class MapTimedWriteTest {
    private static final long HELD = 7;

    @Test
    void timedWritesReturnEmptyWhileALiveHolderKeepsTheStripe() throws Exception {
        String name = TestNames.unique("maptimed");
        try (SharedMap map = SharedMap.create(name, new MapSpec(64, 8, 8, 1))) {
            LongKeyMap longs = map.longKeys();
            longs.put(HELD, value(1));
            MemorySegment key = MemorySegment.ofArray(new long[] {HELD});
            MemorySegment other = MemorySegment.ofArray(new long[] {HELD + 1});
            try (ChildJvm child = ChildJvm.start(HoldStripe.class, name)) {
                child.awaitOutput("HOLDING", Duration.ofSeconds(30));
                long started = System.nanoTime();
                assertThat(map.tryPut(key, value(2), Duration.ofMillis(200))).isEmpty();
                long waited = System.nanoTime() - started;
                assertThat(waited).as("waited nanos").isBetween(150_000_000L, 5_000_000_000L);
                assertThat(map.tryPut(key, value(2), Duration.ZERO)).isEmpty();
                // One stripe: every key waits for it.
                assertThat(map.tryPutIfAbsent(other, value(3), Duration.ofMillis(20))).isEmpty();
                assertThat(map.tryReplace(key, value(4), Duration.ofMillis(20))).isEmpty();
                assertThat(map.tryReplace(key, value(1), value(4), Duration.ofMillis(20))).isEmpty();
                assertThat(map.tryRemove(key, Duration.ofMillis(20))).isEmpty();
                assertThat(map.tryComputeIfPresent(key, v -> v.set(ValueLayout.JAVA_BYTE, 0, (byte) 9),
                        Duration.ofMillis(20))).isEmpty();
                // Nothing was written, and reads never wait for the stripe.
                MemorySegment into = MemorySegment.ofArray(new byte[8]);
                assertThat(longs.get(HELD, into)).isEqualTo(8);
                assertThat(into.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(1);
                assertThat(longs.containsKey(HELD + 1)).isFalse();
                assertThatThrownBy(() -> map.tryPut(key, value(2), Duration.ofMillis(-1)))
                        .isInstanceOf(IllegalArgumentException.class);

                virtualThreadsParkWhileTheyWait(map, key);
                aStuckSlotUnderALiveHolderIsReportedAfterTheRetryLimit(map, child.pid());

                child.kill();
                // The holder died: the next write repairs the stripe and goes on.
                assertThat(map.tryPut(key, value(5), Duration.ofSeconds(10))).contains(false);
                assertThat(map.tryPutIfAbsent(other, value(6), Duration.ofSeconds(1))).contains(true);
                assertThat(map.tryReplace(key, value(5), value(7), Duration.ofSeconds(1))).contains(true);
                assertThat(map.tryReplace(key, value(5), value(8), Duration.ofSeconds(1))).contains(false);
                assertThat(map.tryComputeIfPresent(key, v -> v.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 9L),
                        Duration.ofSeconds(1))).contains(true);
                assertThat(longs.get(HELD, into)).isEqualTo(8);
                assertThat(into.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(9);
                assertThat(map.tryRemove(other, Duration.ofSeconds(1))).contains(true);
                assertThat(map.tryRemove(other, Duration.ZERO)).contains(false);
                assertThat(map.check().problems()).isEmpty();
                assertThat(map.size()).isEqualTo(1);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * Far more virtual threads than carriers wait in {@code tryPut} for the held stripe; an unrelated
     * virtual thread must keep making progress meanwhile (a waiter that pinned its carrier in a
     * futex sleep would hold it for its whole wait).
     */
    private static void virtualThreadsParkWhileTheyWait(SharedMap map, MemorySegment key) throws Exception {
        int waiters = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        ConcurrentLinkedQueue<Object> results = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    results.add(map.tryPut(key, value(2), Duration.ofMillis(1500)));
                } catch (Throwable t) {
                    results.add(t);
                }
            }));
        }
        Thread.sleep(100);
        AtomicInteger ticks = new AtomicInteger();
        Thread ticker = Thread.ofVirtual().start(() -> {
            long end = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < end) {
                ticks.incrementAndGet();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        ticker.join(10_000);
        assertThat(ticks.get()).as("ticks of an unrelated virtual thread while %d waited", waiters)
                .isGreaterThan(25);
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(results).hasSize(waiters).allMatch(r -> r.equals(Optional.empty()));
    }

    /**
     * A bucket naming a slot whose version stays odd while a live process holds the stripe: the
     * reader cannot take the lock to look, so it retries for its limit (one second), then reports
     * the slot, its version and the holder.
     */
    private static void aStuckSlotUnderALiveHolderIsReportedAfterTheRetryLimit(SharedMap map, long holder) {
        MapSpec.Geometry g = new MapSpec(64, 8, 8, 1).geometry();
        MemorySegment mem = map.segment();
        long stripe = g.stripesOffset();
        long slotAt = -1;
        int slot = -1;
        for (int b = 0; b < g.bucketsPerStripe() && slotAt < 0; b++) {
            long w = mem.get(ValueLayout.JAVA_LONG, stripe + g.bucketsOffset() + 8L * b);
            if (w != MapLayout.EMPTY && w != MapLayout.TOMBSTONE) {
                slot = (int) w - 1;
                slotAt = stripe + g.slotsOffset() + (long) slot * g.slotBytes();
            }
        }
        long version = mem.get(ValueLayout.JAVA_LONG, slotAt);
        long stuckKey = mem.get(ValueLayout.JAVA_LONG, slotAt + MapLayout.SLOT_KEY_OFFSET);
        mem.set(ValueLayout.JAVA_LONG, slotAt, version | 1);
        try {
            long started = System.nanoTime();
            assertThatThrownBy(() -> map.longKeys().get(stuckKey, MemorySegment.ofArray(new byte[8])))
                    .isInstanceOf(MapCorruptedException.class).hasMessageContaining("live writer")
                    .hasMessageContaining("slot=" + slot).hasMessageContaining("version=" + (version | 1))
                    .hasMessageContaining("holderPid=" + holder);
            assertThat(System.nanoTime() - started).as("nanos").isBetween(900_000_000L, 10_000_000_000L);
        } finally {
            mem.set(ValueLayout.JAVA_LONG, slotAt, version);
        }
    }

    private static MemorySegment value(long x) {
        return MemorySegment.ofArray(new long[] {x});
    }

    /** The child: takes the stripe of key 7 through a computeIfPresent that never returns. */
    public static final class HoldStripe {
        public static void main(String[] args) throws Exception {
            SharedMap map = SharedMap.open(args[0]);
            map.longKeys().computeIfPresent(HELD, v -> {
                System.out.println("HOLDING");
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
