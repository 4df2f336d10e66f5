package org.shm4j.jcstress.ring;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.shm4j.ring.RingConsumer;
import org.shm4j.ring.RingCorruptedException;
import org.shm4j.ring.RingFormatException;
import org.shm4j.ring.RingNotInitializedException;
import org.shm4j.ring.RingOption;
import org.shm4j.ring.SpscRing;

/**
 * Claim 1 (header publication): a process that attaches to a ring once its magic is published sees
 * every header field the creator wrote before it, down to the head and tail positions.
 */
@JCStressTest
@Description("SpscRing.create() stores the magic with release after the header; attach() acquires it. Fails if the"
        + " magic were stored before the other fields, or read without acquire: open() would reject a half-written"
        + " header, or a consumer would start at a stale head.")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "not published yet: RingNotInitializedException")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "published: capacity and start position as written")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "magic seen, header incomplete")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class RingHeaderPublicationTest {
    /** Not zero, so a consumer reading the head or tail before the creator wrote it shows. */
    private static final long START = Long.MAX_VALUE - 7;
    private final MemorySegment mem = Rings.memory();

    @Actor
    public void creator() {
        SpscRing.create(mem, Rings.CAPACITY, RingOption.startPosition(START));
    }

    @Actor
    public void opener(II_Result r) {
        SpscRing ring;
        try {
            ring = SpscRing.open(mem);
        } catch (RingNotInitializedException e) {
            return; // magic not seen: the opener must not look further
        } catch (RingFormatException e) {
            r.r1 = 1; // magic seen, other fields not
            return;
        }
        r.r1 = 1;
        try {
            RingConsumer consumer = Rings.consumer(ring);
            r.r2 = ring.capacityBytes() == Rings.CAPACITY && consumer.position() == START ? 1 : 0;
        } catch (RingCorruptedException e) {
            r.r2 = 0; // head and tail not both as the creator wrote them
        }
    }
}
