package org.shm4j.bench.harness;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One end of a duplex, message-oriented link between the harness and its peer: what a transport
 * must provide so the generic loops ({@link Session}, {@link PeerLoop}) can measure it.
 *
 * <p>Messages keep their boundaries and their order. Both methods wait (spin or block, as the
 * transport does) until they can complete; a spinning wait calls {@link Waiter#spin()} and a
 * blocking one wakes at least every 100 ms to call {@link Waiter#check()}, so the session's
 * deadline bounds it (a blocked socket read ends when the watchdog kills the peer). {@code send} must be safe to call from several threads at once
 * when the transport declares more than one producer ({@link Transport#maxProducers()}); receive
 * is only ever called by one thread.
 */
public interface Channel extends AutoCloseable {

    /** Sends the first {@code length} bytes of {@code source} as one message. */
    void send(MemorySegment source, int length) throws IOException;

    /**
     * Receives the next message into {@code target} (which holds at least the session's largest
     * message) and returns its length.
     *
     * @throws IOException if the peer is gone, the session was aborted, or the transport delivered
     *     a malformed message (a length out of range is never acted on)
     */
    int receive(MemorySegment target) throws IOException;

    @Override
    void close() throws IOException;
}
