package org.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shm4j.cli.Cli.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** A probe registered as a service (src/test/resources/META-INF/services) is used by ls, info and watch. */
@ExtendWith(NoLeaks.class)
class ProbePluginTest {
    /** Recognises {@code TESTRING} headers: a fake ring with a capacity and a position. */
    public static final class TestRingProbe implements SegmentTypeProbe {
        @Override
        public String type() {
            return "testring";
        }

        @Override
        public int headerBytes() {
            return 24;
        }

        @Override
        public Optional<Recognised> probe(SegmentBytes bytes) {
            ByteBuffer h = bytes.header();
            if (h.remaining() < 24 || h.getLong(0) != ByteBuffer.wrap("TESTRING".getBytes(StandardCharsets.US_ASCII))
                    .order(ByteOrder.LITTLE_ENDIAN).getLong()) {
                return Optional.empty();
            }
            long capacity = h.getLong(8);
            if (capacity <= 0 || capacity > bytes.byteSize()) {
                return Optional.of(new Recognised(type(), Map.of("error", "capacity out of range")));
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("capacity", capacity);
            details.put("position", h.getLong(16));
            return Optional.of(new Recognised(type(), details));
        }
    }

    /** Throws on everything: must not break ls. */
    public static final class BrokenProbe implements SegmentTypeProbe {
        @Override
        public String type() {
            return "broken";
        }

        @Override
        public int headerBytes() {
            return 1 << 30;
        }

        @Override
        public Optional<Recognised> probe(SegmentBytes bytes) {
            throw new IllegalStateException("broken probe");
        }
    }

    @Test
    void probesRecogniseHeadersAndDescribeThem() throws Exception {
        String name = TestNames.unique("ring");
        Path p = Path.of("/dev/shm", name);
        ByteBuffer header = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        header.put("TESTRING".getBytes(StandardCharsets.US_ASCII)).putLong(1024).putLong(77);
        try {
            Files.write(p, header.array());
            Cli.Result ls = cli().run("ls", "--type", "testring", "--match", TestNames.prefix() + "*");
            assertThat(ls.out()).contains(name, "testring");
            Cli.Result info = cli().run("info", name);
            assertThat(info.out()).contains("type:", "testring", "capacity:", "1024", "position:", "77");
            Cli.Result watch = cli().run("watch", name, "--count", "2", "--interval", "50ms");
            assertThat(watch.code()).as(watch.toString()).isZero();
            assertThat(watch.out().lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("type=testring",
                    "capacity=1024", "position=77"));
            Files.write(p, "TESTRINGgarbage-that-is-not-a-ring".getBytes(StandardCharsets.US_ASCII));
            assertThat(cli().run("info", name).out()).contains("capacity out of range");
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
