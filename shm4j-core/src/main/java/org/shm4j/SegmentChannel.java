package org.shm4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.shm4j.internal.Messages;
import org.shm4j.internal.os.LinuxOs;
import org.shm4j.internal.os.UnixSockets;

/**
 * A UNIX-domain socket connection that carries shared-memory objects between processes, as
 * descriptors ({@code SCM_RIGHTS}): how an anonymous object reaches a process that did not start
 * from this one (Windows: {@code DuplicateHandle}). Any object can be sent; the receiver maps the
 * same memory. Peers in other languages need only {@code sendmsg}/{@code recvmsg}; Python's
 * {@code socket.recv_fds} works as is.
 *
 * <p>Wire format: each object is one stream message whose bytes are an ASCII line
 * {@code shm4j-segment v1 size=<bytes> access=<READ_ONLY|READ_WRITE|COPY_ON_WRITE> name=<label>\n}
 * with exactly one descriptor attached.
 *
 * {@snippet :
 * try (SegmentChannel.Listener listener = SegmentChannel.listen(socket);
 *      SegmentChannel peer = listener.accept(Duration.ofSeconds(10))) {
 *     peer.send(shm, Access.READ_WRITE);
 * }
 * }
 */
public final class SegmentChannel implements AutoCloseable {
    private static final int MAX_MESSAGE_BYTES = 512;
    private static final Pattern MESSAGE = Pattern.compile(
            "shm4j-segment v1 size=([0-9]{1,19}) access=(READ_ONLY|READ_WRITE|COPY_ON_WRITE) name=([\\x20-\\x7e]{0,300})\n");

    private final int fd;
    private final String path;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SegmentChannel(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    /** Connects to a process listening on {@code socket}. */
    public static SegmentChannel connect(Path socket) throws IOException {
        String path = socket.toAbsolutePath().toString();
        return new SegmentChannel(UnixSockets.connect(path), path);
    }

    /**
     * Listens on {@code socket}, which must not exist yet. Closing the listener removes the socket
     * file.
     */
    public static Listener listen(Path socket) throws IOException {
        String path = socket.toAbsolutePath().toString();
        return new Listener(UnixSockets.listen(path), path);
    }

    /**
     * Sends {@code shm} to the peer, which may use it with at most {@code access}.
     *
     * @throws IllegalArgumentException if {@code access} exceeds the handle's access
     * @throws IllegalStateException if the handle is closed
     */
    public void send(SharedMemory shm, Access access) throws IOException {
        Objects.requireNonNull(shm, "shm");
        Objects.requireNonNull(access, "access");
        if (!shm.access().permitsView(access)) {
            throw new IllegalArgumentException(Messages.format("cannot grant more access than the handle has",
                    "name", shm.displayName(), "handleAccess", shm.access(), "access", access));
        }
        SharedObject object = shm.object();
        if (!shm.isOpen() || !object.retain()) {
            throw new IllegalStateException(Messages.format("shared memory handle is closed", "name",
                    shm.displayName()));
        }
        try {
            String label = shm.displayName().replaceAll("[^\\x20-\\x7e]", "?");
            String line = "shm4j-segment v1 size=" + shm.byteSize() + " access=" + access + " name=" + label + "\n";
            UnixSockets.send(fd, line.getBytes(StandardCharsets.US_ASCII), object.fd(), path, 30_000);
        } finally {
            object.release();
        }
    }

    /**
     * Receives one object sent by the peer, waiting at most {@code timeout}. The size and access in
     * the message are checked against the descriptor: a peer cannot make this process map more
     * than the object holds.
     *
     * @throws SharedMemoryException if nothing arrives in time, or the message is malformed
     */
    public SharedMemory receive(Duration timeout) throws IOException {
        UnixSockets.Received received = UnixSockets.receive(fd, MAX_MESSAGE_BYTES, path, timeout.toMillis());
        String text = new String(received.payload(), StandardCharsets.US_ASCII);
        Matcher m = MESSAGE.matcher(text);
        if (!m.matches()) {
            LinuxOs.close(received.fd());
            throw new SharedMemoryException(Messages.format("malformed segment message from peer", "path", path,
                    "message", Messages.quote(text.length() > 80 ? text.substring(0, 80) : text)));
        }
        long size = Long.parseLong(m.group(1));
        Access access = Access.valueOf(m.group(2));
        SharedObject object = ObjectOpener.adoptDescriptor(received.fd(), "received:" + m.group(3), access);
        if (object.byteSize() < size) {
            object.release();
            throw new SharedMemoryException(Messages.format("peer announced more bytes than the object holds",
                    "path", path, "announced", size, "byteSize", object.byteSize()));
        }
        return SharedMemory.wrap(object);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LinuxOs.close(fd);
        }
    }

    /** A listening socket; see {@link SegmentChannel#listen}. */
    public static final class Listener implements AutoCloseable {
        private final int fd;
        private final String path;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Listener(int fd, String path) {
            this.fd = fd;
            this.path = path;
        }

        /** Waits at most {@code timeout} for one peer to connect. */
        public SegmentChannel accept(Duration timeout) throws IOException {
            return new SegmentChannel(UnixSockets.accept(fd, path, timeout.toMillis()), path);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                LinuxOs.close(fd);
                LinuxOs.unlink(path);
            }
        }
    }
}
