package org.shm4j.cli.probe;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Read-only access to a segment's bytes for a {@link SegmentTypeProbe}, through {@code read(2)}
 * rather than a mapping: a segment truncated meanwhile yields short buffers, never a fault.
 */
public interface SegmentBytes {
    /** The segment's size when it was inspected. */
    long byteSize();

    /** The first bytes, little-endian, read-only, positioned at 0; shorter than asked when the segment is. */
    ByteBuffer header();

    /**
     * Reads up to {@code length} bytes (at most 64 KiB) at {@code offset}; fewer at the end of the
     * segment. The buffer is little-endian and read-only.
     *
     * @throws IllegalArgumentException if {@code offset} is negative or {@code length} not in 0..65536
     */
    ByteBuffer read(long offset, int length) throws IOException;
}
