package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * Steady state allocates nothing per message, also when most polls find nothing (a consumer
 * waiting for the next record): the handler's call is then rare compared with the polls, and the
 * payload slice handed to it must still not be allocated. Runs in a child JVM with the optimising
 * compiler (the test JVMs' children normally stop at C1, which does no escape analysis).
 */
@ExtendWith(NoLeaks.class)
@Timeout(180)
class RingAllocationTest {
    private static final int WARM_UP = 300_000;
    private static final int MEASURED = 200_000;
    private static final int EMPTY_POLLS_PER_RECORD = 40;

    /** args: ring kind, ring name. Prints "BYTES kind bytesPerMessage". */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            RingKind kind = RingKind.valueOf(args[0]);
            Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
            long[] sum = {0};
            RecordHandler handler = (t, p) -> sum[0] += p.get(ValueLayout.JAVA_LONG, 0);
            try (Arena arena = Arena.ofConfined();
                 RingKind.Link link = kind.create(args[1], 1 << 16, WaitStrategy.busySpin())) {
                MemorySegment payload = arena.allocate(64, 8);
                run(link, payload, handler, WARM_UP);
                long before = (long) allocated.invoke(threads);
                run(link, payload, handler, MEASURED);
                long after = (long) allocated.invoke(threads);
                System.out.println("BYTES " + kind + " " + (double) (after - before) / MEASURED + " sum " + sum[0]);
            }
        }

        private static void run(RingKind.Link link, MemorySegment payload, RecordHandler handler, int messages) {
            for (int i = 0; i < messages; i++) {
                for (int k = 0; k < EMPTY_POLLS_PER_RECORD; k++) {
                    if (link.receive(handler, 1) != 0) {
                        throw new AssertionError("a record appeared from nowhere at " + i);
                    }
                }
                payload.set(ValueLayout.JAVA_LONG, 0, i);
                if (!link.send(1, payload)) {
                    throw new AssertionError("ring full at " + i);
                }
                if (link.receive(handler, 1) != 1) {
                    throw new AssertionError("record " + i + " not delivered");
                }
            }
        }
    }

    @Test
    void aConsumerThatMostlyPollsAnEmptyRingAllocatesNothingPerMessage() throws Exception {
        for (RingKind kind : RingKind.values()) {
            String name = TestNames.unique("alloc");
            try (ChildJvm child = ChildJvm.start(List.of(), Child.class, Map.of(),
                    List.of("-XX:TieredStopAtLevel=4", "-Xmx64m"), kind.name(), name)) {
                child.assertExitCode(0, Duration.ofSeconds(120));
                String line = child.output().lines().filter(l -> l.startsWith("BYTES ")).findFirst().orElseThrow();
                double perMessage = Double.parseDouble(line.split(" ")[2]);
                // A payload slice is about 40 bytes: anything near one per message means it escaped.
                assertThat(perMessage).as("%s bytes allocated per message: %s", kind, line).isLessThan(1.0);
            } finally {
                SharedMemory.remove(name);
            }
        }
    }
}
