package org.shm4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;

/** The {@link SegmentTypeProbe}s found as services, and the reading they share. */
final class Probes {
    private static final int MAX_READ = 64 * 1024;

    private final List<SegmentTypeProbe> probes;
    private final int headerBytes;

    private Probes(List<SegmentTypeProbe> probes) {
        this.probes = List.copyOf(probes);
        int h = 0;
        for (SegmentTypeProbe p : probes) {
            h = Math.max(h, Math.min(MAX_READ, Math.max(0, p.headerBytes())));
        }
        this.headerBytes = h;
    }

    static Probes load() {
        List<SegmentTypeProbe> found = new ArrayList<>();
        ServiceLoader<SegmentTypeProbe> loader = ServiceLoader.load(SegmentTypeProbe.class, Probes.class.getClassLoader());
        var it = loader.iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                // A broken plug-in must not break ls; it is skipped.
            }
        }
        return new Probes(found);
    }

    /** The type names probes can report. */
    List<String> types() {
        return probes.stream().map(SegmentTypeProbe::type).toList();
    }

    /** Runs every probe on the segment behind {@code channel}; empty when none recognises it. */
    Optional<Recognised> identify(FileChannel channel, long byteSize) throws IOException {
        if (probes.isEmpty() || byteSize <= 0) {
            return Optional.empty();
        }
        ChannelBytes bytes = new ChannelBytes(channel, byteSize, headerBytes);
        for (SegmentTypeProbe probe : probes) {
            Optional<Recognised> r;
            try {
                r = probe.probe(bytes);
            } catch (RuntimeException e) {
                // A probe that trips over hostile bytes has not recognised anything.
                continue;
            }
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    /** {@link SegmentBytes} over {@code pread}; every buffer is a fresh read-only copy. */
    private static final class ChannelBytes implements SegmentBytes {
        private final FileChannel channel;
        private final long byteSize;
        private final ByteBuffer header;

        ChannelBytes(FileChannel channel, long byteSize, int headerBytes) throws IOException {
            this.channel = channel;
            this.byteSize = byteSize;
            this.header = readAt(0, (int) Math.min(headerBytes, byteSize));
        }

        @Override
        public long byteSize() {
            return byteSize;
        }

        @Override
        public ByteBuffer header() {
            return header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public ByteBuffer read(long offset, int length) throws IOException {
            if (offset < 0 || length < 0 || length > MAX_READ) {
                throw new IllegalArgumentException(Text.format("probe read out of range", "offset", offset, "length",
                        length, "max", MAX_READ));
            }
            return readAt(offset, length);
        }

        private ByteBuffer readAt(long offset, int length) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length);
            long position = offset;
            while (b.hasRemaining()) {
                int n = channel.read(b, position);
                if (n <= 0) {
                    break; // End of file: the segment is shorter (or was truncated meanwhile).
                }
                position += n;
            }
            b.flip();
            return b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
