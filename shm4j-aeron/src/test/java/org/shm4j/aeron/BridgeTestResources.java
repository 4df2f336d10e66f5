package org.shm4j.aeron;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.shm4j.ring.SpscRing;
import org.shm4j.testkit.TestNames;

/**
 * What one bridge test makes in this JVM: closed in reverse order when the test ends, then its
 * rings removed with the state segments of the bridge ends that served them ({@link Leftovers}).
 */
final class BridgeTestResources {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> rings = new ArrayList<>();

    /** A loopback UDP channel on a random port, with 1 MiB terms. */
    static String channel() {
        return "aeron:udp?endpoint=127.0.0.1:" + (20000 + ThreadLocalRandom.current().nextInt(20000))
                + "|term-length=1m";
    }

    /** A unique ring name, removed when the test ends (whoever creates the ring). */
    String ringName(String label) {
        String name = TestNames.unique(label);
        rings.add(name);
        return name;
    }

    /** A new named SPSC ring, open until the test ends; returns its name. */
    String spscRing(String label, long capacity) throws IOException {
        String name = ringName(label);
        closeLater(SpscRing.create(name, capacity));
        return name;
    }

    <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    /** Ends the test's resources: from the @AfterEach of the test class. */
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
        Leftovers.removeRings(rings);
        rings.clear();
    }
}
