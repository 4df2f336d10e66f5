package org.shm4j.cli.probe;

import java.io.IOException;
import java.util.Optional;

/**
 * Recognises one kind of structure that lives in a segment (a ring, a lock, an event...) by the
 * magic number at the start of its header, and describes it for {@code shm4j ls}, {@code info}
 * and {@code watch}.
 *
 * <p>Probes are found with {@link java.util.ServiceLoader}: a module declares
 * {@code provides org.shm4j.cli.probe.SegmentTypeProbe with ...}, a class-path jar lists its class
 * in {@code META-INF/services/org.shm4j.cli.probe.SegmentTypeProbe}. A segment no probe recognises
 * is shown as {@code raw} (made by shm4j) or {@code foreign} (made by something else).
 *
 * <p>The bytes come from shared memory that any process with access may have written, or from a
 * file planted by anyone: a probe validates every value before using it as a size, offset or
 * count, reads only through {@link SegmentBytes}, and never acts on what it reads (in particular
 * never signals a PID found there). It must not block and must be quick: {@code ls} calls it for
 * every segment.
 */
public interface SegmentTypeProbe {
    /** The type name shown in the TYPE column and accepted by {@code ls --type}: lower case, one word. */
    String type();

    /** How many bytes from offset 0 {@link #probe} needs to see; at most 64 KiB. */
    int headerBytes();

    /**
     * Decides whether the segment holds this probe's structure. {@code bytes.header()} holds the
     * first {@code min(headerBytes(), byteSize)} bytes.
     *
     * @return the description, or empty when the magic does not match
     * @throws IOException if reading more of the segment failed
     */
    Optional<Recognised> probe(SegmentBytes bytes) throws IOException;
}
