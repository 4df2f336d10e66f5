package org.shm4j.bench.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.bench.harness.SessionAbortedException;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.testkit.NoLeaks;

@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlotRingTest {

    @Test
    void wrapsAroundManyTimesKeepingOrder() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(SlotRing.ringBytes(64), 64);
            Waiter waiter = Waiter.withBudget(TimeUnit.SECONDS.toNanos(10));
            SlotRing producer = SlotRing.create(memory, 64, waiter);
            SlotRing consumer = SlotRing.attach(memory, 64, waiter);
            MemorySegment out = arena.allocate(64);
            MemorySegment in = arena.allocate(64);
            for (long i = 0; i < 10 * SlotRing.SLOTS; i++) {
                out.set(ValueLayout.JAVA_LONG, 0, i);
                producer.send(out, 8 + (int) (i % 57));
                assertThat(consumer.receive(in)).isEqualTo(8 + (int) (i % 57));
                assertThat(in.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(i);
            }
        }
    }

    @Test
    void aLengthWrittenByAHostilePeerIsRejectedNotUsed() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(SlotRing.ringBytes(64), 64);
            Waiter waiter = Waiter.withBudget(TimeUnit.SECONDS.toNanos(10));
            SlotRing producer = SlotRing.create(memory, 64, waiter);
            SlotRing consumer = SlotRing.attach(memory, 64, waiter);
            producer.send(arena.allocate(64), 16);
            memory.set(ValueLayout.JAVA_INT, 8, 1 << 30);
            assertThatThrownBy(() -> consumer.receive(arena.allocate(64))).isInstanceOf(IOException.class)
                    .hasMessageContaining("invalid message length in ring").hasMessageContaining("length=1073741824");
        }
    }

    @Test
    void aFullRingWaitsOnlyUntilTheDeadline() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(SlotRing.ringBytes(8), 64);
            SlotRing producer = SlotRing.create(memory, 8, Waiter.withBudget(TimeUnit.MILLISECONDS.toNanos(200)));
            MemorySegment m = arena.allocate(8);
            for (int i = 0; i < SlotRing.SLOTS; i++) {
                producer.send(m, 8);
            }
            long start = System.nanoTime();
            assertThatThrownBy(() -> producer.send(m, 8)).isInstanceOf(SessionAbortedException.class);
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
        }
    }
}
