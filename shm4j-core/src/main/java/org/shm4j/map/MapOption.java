package org.shm4j.map;

import java.time.Duration;
import java.util.Objects;
import org.shm4j.SegmentOption;
import org.shm4j.internal.Messages;

/** An option of a {@link SharedMap} factory. */
public sealed interface MapOption {
    /** A segment option (mode, lifetime...) for the named object a map is created in. */
    static MapOption segment(SegmentOption option) {
        return new Segment(Objects.requireNonNull(option, "option"));
    }

    /** How long an open waits for a map its creator is still building; 2 seconds unless set. */
    static MapOption openTimeout(Duration timeout) {
        return new OpenTimeout(positive(timeout, "openTimeout"));
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(Messages.format("timeout must be positive", what, d));
        }
        return d;
    }

    record Segment(SegmentOption option) implements MapOption {}

    record OpenTimeout(Duration timeout) implements MapOption {}
}
