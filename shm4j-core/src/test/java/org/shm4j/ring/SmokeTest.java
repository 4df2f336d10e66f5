package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void roundTrip() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(SpscRing.requiredBytes(1024), 64);
            try (SpscRing ring = SpscRing.format(seg, 1024)) {
                RingProducer p = ring.producer();
                RingConsumer c = ring.consumer();
                List<Long> got = new ArrayList<>();
                for (long i = 0; i < 1000; i++) {
                    MemorySegment m = arena.allocate(8 + (i % 40));
                    m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                    assertThat(p.offer(3, m)).isTrue();
                    assertThat(c.poll((t, s) -> got.add(s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)))).isEqualTo(1);
                }
                assertThat(got).hasSize(1000);
                System.out.println(ring.stats());
            }
        }
    }
}
