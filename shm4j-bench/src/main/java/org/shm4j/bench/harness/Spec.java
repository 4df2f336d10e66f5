package org.shm4j.bench.harness;

import java.util.List;

/**
 * What a channel must carry in one session: its largest message and how many threads of the peer
 * may send at once. Transports size their buffers from it (so a session of 64-byte messages has
 * small rings, a size-scaling session large ones).
 *
 * @param maxMessageBytes the largest message, at least {@link Protocol#COMMAND_BYTES}
 * @param producers the most peer threads that send concurrently
 */
public record Spec(int maxMessageBytes, int producers) {
    public Spec {
        if (maxMessageBytes < Protocol.COMMAND_BYTES || maxMessageBytes > Protocol.MAX_MESSAGE_BYTES || producers < 1) {
            throw new IllegalArgumentException(Kv.format("invalid session spec", "maxMessageBytes",
                    maxMessageBytes, "producers", producers));
        }
    }

    /** The spec that carries every workload of {@code plan}. */
    public static Spec of(List<Workload> plan) {
        int max = Protocol.COMMAND_BYTES;
        int producers = 1;
        for (Workload w : plan) {
            max = Math.max(max, w.messageBytes());
            producers = Math.max(producers, w.producers());
        }
        return new Spec(max, producers);
    }

    /** Command-line form, parsed by {@link #parse}. */
    public String format() {
        return maxMessageBytes + "/" + producers;
    }

    public static Spec parse(String s) {
        String[] p = s.split("/");
        if (p.length != 2) {
            throw new IllegalArgumentException(Kv.format("invalid session spec", "text", s));
        }
        return new Spec(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
    }
}
