package org.shm4j.bench.harness;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The messages the harness and its peer exchange over a {@link Channel}; the C peer speaks the same.
 * Every message starts with a 64-bit word in native (little-endian) order: a sequence number
 * ({@code >= 0}) for payload messages, or one of the negative operation codes below.
 *
 * <pre>
 * command (harness -> peer), {@value #COMMAND_BYTES} bytes:
 *   0        8              16          24              32
 *   +--------+--------------+-----------+---------------+
 *   |  op    | messageBytes | producers | durationNanos |
 *   +--------+--------------+-----------+---------------+
 * session:  peer sends HELLO; then per workload
 *   PING_PONG: harness ECHO; payload messages, each echoed; END, echoed
 *   STREAM:    harness PRODUCE; each peer producer sends payload messages for durationNanos, then END
 *   finally QUIT
 * </pre>
 */
public final class Protocol {
    public static final long END = -1;
    public static final long ECHO = -2;
    public static final long PRODUCE = -3;
    public static final long QUIT = -4;
    public static final long HELLO = -5;

    public static final int COMMAND_BYTES = 32;
    public static final int MIN_MESSAGE_BYTES = 8;
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private Protocol() {}

    public static long word(MemorySegment message, int index) {
        return message.get(WORD, index * 8L);
    }

    public static void setWord(MemorySegment message, int index, long value) {
        message.set(WORD, index * 8L, value);
    }

    /** Sends a command; unused fields are 0. */
    public static void sendCommand(Channel channel, MemorySegment buffer, long op, long messageBytes, long producers,
            long durationNanos) throws IOException {
        setWord(buffer, 0, op);
        setWord(buffer, 1, messageBytes);
        setWord(buffer, 2, producers);
        setWord(buffer, 3, durationNanos);
        channel.send(buffer, COMMAND_BYTES);
    }

    /** Receives a message that must be the operation {@code op}. */
    public static int expect(Channel channel, MemorySegment buffer, long op) throws IOException {
        int length = channel.receive(buffer);
        if (length < MIN_MESSAGE_BYTES || word(buffer, 0) != op) {
            throw new IOException(Kv.format("unexpected message", "expectedOp", op, "length", length,
                    "word", length >= MIN_MESSAGE_BYTES ? word(buffer, 0) : "none"));
        }
        return length;
    }
}
