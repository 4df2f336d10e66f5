package org.shm4j.bench.transport;

import java.io.EOFException;
import java.io.Flushable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.Kv;

/**
 * Messages over a byte stream (a socket or a pipe): a 4-byte little-endian length, then the
 * payload. Reads go through a 256 KiB buffer, so a stream of small messages costs few system calls,
 * as in any sensible socket code; each message is written with one gathering write under a lock,
 * so several producer threads never interleave their frames.
 */
final class FramedChannel implements Channel {
    private final ReadableByteChannel in;
    private final WritableByteChannel out;
    private final Flushable flush;
    private final AutoCloseable resource;
    private final int maxMessageBytes;
    private final ByteBuffer readBuffer;
    private final MemorySegment readSegment;
    private final ByteBuffer header = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer[] frame = new ByteBuffer[2];
    private final Object writeLock = new Object();

    /**
     * @param flush flushed after each message when the output stream buffers, else null
     * @param resource closed with this channel (the socket, the process streams)
     */
    FramedChannel(ReadableByteChannel in, WritableByteChannel out, Flushable flush, AutoCloseable resource,
            int maxMessageBytes) {
        this.in = in;
        this.out = out;
        this.flush = flush;
        this.resource = resource;
        this.maxMessageBytes = maxMessageBytes;
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.max(256 * 1024, maxMessageBytes + 4));
        this.readSegment = MemorySegment.ofBuffer(buffer);
        this.readBuffer = buffer.order(ByteOrder.LITTLE_ENDIAN).flip();
    }

    @Override
    public void send(MemorySegment source, int length) throws IOException {
        synchronized (writeLock) {
            header.clear().putInt(0, length);
            frame[0] = header;
            frame[1] = source.asSlice(0, length).asByteBuffer();
            if (out instanceof java.nio.channels.GatheringByteChannel gathering) {
                while (frame[1].hasRemaining()) {
                    gathering.write(frame);
                }
            } else {
                while (header.hasRemaining()) {
                    out.write(header);
                }
                while (frame[1].hasRemaining()) {
                    out.write(frame[1]);
                }
            }
            if (flush != null) {
                flush.flush();
            }
        }
    }

    @Override
    public int receive(MemorySegment target) throws IOException {
        fill(4);
        int length = readBuffer.getInt();
        // The length came from another process: checked before it is used.
        if (length < 0 || length > maxMessageBytes || length > target.byteSize()) {
            throw new IOException(Kv.format("invalid frame length", "length", length, "maxMessageBytes",
                    maxMessageBytes));
        }
        int copied = 0;
        while (copied < length) {
            if (!readBuffer.hasRemaining()) {
                fill(1);
            }
            int n = Math.min(length - copied, readBuffer.remaining());
            MemorySegment.copy(readSegment, readBuffer.position(), target, copied, n);
            readBuffer.position(readBuffer.position() + n);
            copied += n;
        }
        return length;
    }

    /** Makes at least {@code bytes} bytes available in the read buffer. */
    private void fill(int bytes) throws IOException {
        if (readBuffer.remaining() >= bytes) {
            return;
        }
        readBuffer.compact();
        while (readBuffer.position() < bytes) {
            if (in.read(readBuffer) < 0) {
                throw new EOFException("peer closed the stream");
            }
        }
        readBuffer.flip();
    }

    @Override
    public void close() throws IOException {
        try {
            resource.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
