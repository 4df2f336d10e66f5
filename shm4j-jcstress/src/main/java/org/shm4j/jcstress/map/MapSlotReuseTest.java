package org.shm4j.jcstress.map;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.shm4j.map.LongKeyMap;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;

/**
 * The map's read protocol (org.shm4j.map package documentation): a lock-free get racing two
 * replacements of the same key (the second reuses the slot the reader may be copying) returns one
 * whole value, never bytes of two.
 */
@JCStressTest
@Description("get() loads the bucket and the slot version (acquire), copies, then re-reads bucket and version after"
        + " an acquire fence; put() writes a free slot under an odd version (storeStore fence), makes it even"
        + " (release), then publishes the bucket (release). Fails if a get could return a value mixing two writes.")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the first value, whole")
@Outcome(id = "2", expect = ACCEPTABLE, desc = "the second value, whole")
@Outcome(id = "3", expect = ACCEPTABLE, desc = "the third value (written into the first one's slot), whole")
@Outcome(expect = FORBIDDEN, desc = "a torn value, or the key missing")
@State
public class MapSlotReuseTest {
    private static final MapSpec SPEC = new MapSpec(2, 8, 64, 1);
    private static final MemorySegment[] VALUES = {filled(1), filled(2), filled(3)};

    private final LongKeyMap map;
    private final MemorySegment into = MemorySegment.ofArray(new byte[64]);

    public MapSlotReuseTest() {
        try {
            MemorySegment mem = Arena.ofAuto().allocate(SharedMap.requiredBytes(SPEC), 64);
            map = SharedMap.create(mem, SPEC).longKeys();
            map.put(7, VALUES[0]);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static MemorySegment filled(int b) {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        s.fill((byte) b);
        return s;
    }

    @Actor
    public void writer() {
        try {
            map.put(7, VALUES[1]);
            map.put(7, VALUES[2]);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void reader(I_Result r) {
        if (map.get(7, into) != 64) {
            r.r1 = -1;
            return;
        }
        byte first = into.get(ValueLayout.JAVA_BYTE, 0);
        for (int i = 1; i < 64; i++) {
            if (into.get(ValueLayout.JAVA_BYTE, i) != first) {
                r.r1 = -2;
                return;
            }
        }
        r.r1 = first;
    }
}
