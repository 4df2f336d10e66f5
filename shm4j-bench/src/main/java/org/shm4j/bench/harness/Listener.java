package org.shm4j.bench.harness;

import java.io.IOException;
import java.util.List;

/**
 * The harness side of a {@link JvmTransport} before the peer runs: it has made the resources the peer
 * opens (a segment, a socket, a mapped file) and becomes a {@link Channel} once the peer is there.
 * Closing it removes those resources; the channel it returned is closed separately, before.
 */
public interface Listener extends AutoCloseable {

    /** What the peer needs to find the resources: passed to {@link JvmTransport#connect}. */
    List<String> peerArguments();

    /** The harness end of the link, once {@code peer} is started (bounded by {@code waiter}). */
    Channel accept(ChildProcess peer, Waiter waiter) throws IOException;

    @Override
    void close() throws IOException;

    /** What a {@link #ready} listener does when closed. */
    @FunctionalInterface
    interface Removal {
        void run() throws IOException;
    }

    /**
     * A listener whose channel exists before the peer starts (the peer opens what the harness
     * made): {@code accept} returns {@code channel}, {@code close} runs {@code removal}.
     */
    static Listener ready(List<String> peerArguments, Channel channel, Removal removal) {
        List<String> arguments = List.copyOf(peerArguments);
        return new Listener() {
            @Override
            public List<String> peerArguments() {
                return arguments;
            }

            @Override
            public Channel accept(ChildProcess peer, Waiter waiter) {
                return channel;
            }

            @Override
            public void close() throws IOException {
                removal.run();
            }
        };
    }
}
