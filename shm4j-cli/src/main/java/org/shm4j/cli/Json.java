package org.shm4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.shm4j.cli.probe.Recognised;

/** JSON output through Jackson's streaming generator; the stream stays open. */
final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private Json() {}

    static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        return g;
    }

    /** One segment as an object; {@code detailed} adds the processes holding it open and the verdict's reason. */
    static void segment(JsonGenerator g, Segment s, Instant now) throws IOException {
        segment(g, s, now, java.util.List.of());
    }

    /**
     * A segment, and for a ring the bridge ends that carry it (the bridge probe's details of each
     * state segment: role, pid, liveness, stream, channel, counters); none: no {@code bridges} field.
     */
    static void segment(JsonGenerator g, Segment s, Instant now, java.util.List<java.util.Map<String, Object>> bridges)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("name", s.name());
        g.writeStringField("path", s.path().toString());
        g.writeStringField("type", s.type());
        g.writeStringField("kind", s.kind() == null ? null : s.kind().label());
        if (s.info() != null) {
            var info = s.info();
            g.writeStringField("fileType", info.fileType().name().toLowerCase(java.util.Locale.ROOT));
            g.writeNumberField("byteSize", info.byteSize());
            g.writeNumberField("allocatedBytes", info.allocatedBytes());
            g.writeNumberField("ownerUid", info.ownerUid());
            g.writeStringField("owner", s.owner());
            g.writeStringField("mode", Text.octal(info.permissions()));
            g.writeNumberField("ageSeconds", Math.max(0, s.age(now).toSeconds()));
            g.writeStringField("changed", info.changed().toString());
            g.writeStringField("modified", info.modified().toString());
            g.writeNumberField("inode", info.inode());
            g.writeStringField("lifetime", info.lifetime().map(l -> l.name().toLowerCase(java.util.Locale.ROOT))
                    .orElse(null));
            g.writeObjectFieldStart("creator");
            if (info.creatorPid().isPresent()) {
                g.writeNumberField("pid", info.creatorPid().getAsLong());
            } else {
                g.writeNullField("pid");
            }
            g.writeStringField("liveness", s.creator().name().toLowerCase(java.util.Locale.ROOT));
            g.writeEndObject();
        }
        processes(g, "mappedBy", s.mappers());
        processes(g, "openBy", s.openers());
        g.writeStringField("verdict", s.verdict().state().name().toLowerCase(java.util.Locale.ROOT));
        g.writeBooleanField("stale", s.verdict().stale());
        g.writeStringField("reason", s.verdict().reason());
        if (s.recognised() != null) {
            details(g, s.recognised());
        }
        if (s.problem() != null) {
            g.writeStringField("problem", s.problem());
        }
        if (!bridges.isEmpty()) {
            g.writeArrayFieldStart("bridges");
            for (java.util.Map<String, Object> d : bridges) {
                g.writeStartObject();
                for (String key : java.util.List.of("role", "bridgePid", "bridgeAlive", "connected", "stream", "channel",
                        "records", "lostRecords")) {
                    field(g, key, d.get(key));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void processes(JsonGenerator g, String field, List<ProcScan.ProcessRef> refs) throws IOException {
        g.writeArrayFieldStart(field);
        for (ProcScan.ProcessRef p : refs) {
            g.writeStartObject();
            g.writeNumberField("pid", p.pid());
            g.writeStringField("command", p.command());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    static void details(JsonGenerator g, Recognised r) throws IOException {
        g.writeObjectFieldStart("details");
        for (Map.Entry<String, Object> e : r.details().entrySet()) {
            field(g, e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void field(JsonGenerator g, String key, Object v) throws IOException {
        switch (v) {
            case Long l -> g.writeNumberField(key, l);
            case Integer i -> g.writeNumberField(key, i);
            case Double d -> g.writeNumberField(key, d);
            case Boolean b -> g.writeBooleanField(key, b);
            case null -> g.writeNullField(key);
            default -> g.writeStringField(key, String.valueOf(v));
        }
    }
}
