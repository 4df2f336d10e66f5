package org.shm4j.internal.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.shm4j.SharedMemoryException;
import org.shm4j.internal.Messages;

/**
 * UNIX-domain stream sockets that carry file descriptors ({@code SCM_RIGHTS}), which the JDK's
 * {@code SocketChannel} cannot do. Used to hand an anonymous segment to another process, the
 * {@code DuplicateHandle} of Linux.
 *
 * <p>The structures here ({@code sockaddr_un}, {@code msghdr}, {@code cmsghdr}) follow the
 * LP64 Linux ABI (x86-64, aarch64).
 */
public final class UnixSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_SNDTIMEO = 21;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SUN_PATH_BYTES = 108;
    private static final int SOCKADDR_UN_BYTES = 110;
    private static final int MSGHDR_BYTES = 56;
    private static final int CMSG_HEADER_BYTES = 16;
    /** Room for up to 8 descriptors, so a peer that sends several cannot leak them into us unseen. */
    private static final int CONTROL_BYTES = 64;

    /** A message and the descriptor that came with it ({@code -1} if none). */
    public record Received(byte[] payload, int fd) {}

    private UnixSockets() {}

    /** A listening socket bound to {@code path}. */
    public static int listen(String path) throws IOException {
        int fd = socket(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.errnoBuffer();
            int rc = (int) Libc.Sockets.BIND.invokeExact(errno, fd, address(arena, path), SOCKADDR_UN_BYTES);
            if (rc != 0) {
                throw Errno.exception(Native.lastErrno(errno), "bind", path);
            }
            rc = (int) Libc.Sockets.LISTEN.invokeExact(errno, fd, 16);
            if (rc != 0) {
                throw Errno.exception(Native.lastErrno(errno), "listen", path);
            }
            return fd;
        } catch (Throwable t) {
            LinuxOs.close(fd);
            throw asIo(t);
        }
    }

    /** Waits up to {@code timeoutMillis} for a connection on a listening socket. */
    public static int accept(int listenFd, String path, long timeoutMillis) throws IOException {
        setTimeout(listenFd, SO_RCVTIMEO, timeoutMillis, path);
        MemorySegment errno = Native.errnoBuffer();
        int fd;
        try {
            fd = (int) Libc.Sockets.ACCEPT.invokeExact(errno, listenFd, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw asIo(t);
        }
        if (fd < 0) {
            int e = Native.lastErrno(errno);
            if (e == Errno.EAGAIN) {
                throw new SharedMemoryException(Messages.format("no connection within the timeout", "path", path,
                        "timeoutMillis", timeoutMillis), "EAGAIN");
            }
            throw Errno.exception(e, "accept", path);
        }
        return fd;
    }

    /** A socket connected to the listener at {@code path}. */
    public static int connect(String path) throws IOException {
        int fd = socket(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.errnoBuffer();
            int rc = (int) Libc.Sockets.CONNECT.invokeExact(errno, fd, address(arena, path), SOCKADDR_UN_BYTES);
            if (rc != 0) {
                throw Errno.exception(Native.lastErrno(errno), "connect", path);
            }
            return fd;
        } catch (Throwable t) {
            LinuxOs.close(fd);
            throw asIo(t);
        }
    }

    /** Sends {@code payload} with one descriptor attached, in one message. */
    public static void send(int socketFd, byte[] payload, int fdToSend, String path, long timeoutMillis)
            throws IOException {
        setTimeout(socketFd, SO_SNDTIMEO, timeoutMillis, path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Math.max(1, payload.length));
            MemorySegment.copy(payload, 0, data, ValueLayout.JAVA_BYTE, 0, payload.length);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(ValueLayout.ADDRESS, 0, data);
            iov.set(ValueLayout.JAVA_LONG, 8, payload.length);
            MemorySegment control = arena.allocate(24, 8); // CMSG_SPACE(sizeof(int))
            control.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER_BYTES + 4); // CMSG_LEN(sizeof(int))
            control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
            control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
            control.set(ValueLayout.JAVA_INT, 16, fdToSend);
            MemorySegment msg = arena.allocate(MSGHDR_BYTES, 8);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, 24);
            MemorySegment errno = Native.errnoBuffer();
            long sent = (long) Libc.Sockets.SENDMSG.invokeExact(errno, socketFd, msg, MSG_NOSIGNAL);
            if (sent < 0) {
                throw Errno.exception(Native.lastErrno(errno), "sendmsg", path);
            }
            if (sent != payload.length) {
                throw new SharedMemoryException(Messages.format("short send of a descriptor message", "path", path,
                        "sent", sent, "length", payload.length));
            }
        } catch (Throwable t) {
            throw asIo(t);
        }
    }

    /**
     * Receives one message of at most {@code maxBytes} and the descriptor sent with it. Everything
     * about the message is untrusted: extra descriptors are closed, a truncated control message
     * or a message without a descriptor is an error (after closing whatever arrived).
     */
    public static Received receive(int socketFd, int maxBytes, String path, long timeoutMillis) throws IOException {
        setTimeout(socketFd, SO_RCVTIMEO, timeoutMillis, path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(maxBytes);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(ValueLayout.ADDRESS, 0, data);
            iov.set(ValueLayout.JAVA_LONG, 8, maxBytes);
            MemorySegment control = arena.allocate(CONTROL_BYTES, 8);
            MemorySegment msg = arena.allocate(MSGHDR_BYTES, 8);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, CONTROL_BYTES);
            MemorySegment errno = Native.errnoBuffer();
            long n = (long) Libc.Sockets.RECVMSG.invokeExact(errno, socketFd, msg, MSG_CMSG_CLOEXEC);
            if (n < 0) {
                int e = Native.lastErrno(errno);
                if (e == Errno.EAGAIN) {
                    throw new SharedMemoryException(Messages.format("no message within the timeout", "path", path,
                            "timeoutMillis", timeoutMillis), "EAGAIN");
                }
                throw Errno.exception(e, "recvmsg", path);
            }
            int flags = msg.get(ValueLayout.JAVA_INT, 48);
            long controlLength = Math.min(msg.get(ValueLayout.JAVA_LONG, 40), CONTROL_BYTES);
            int fd = takeDescriptors(control, controlLength);
            if ((flags & MSG_CTRUNC) != 0 || fd < 0 || n == 0) {
                if (fd >= 0) {
                    LinuxOs.close(fd);
                }
                throw new SharedMemoryException(Messages.format("peer sent no usable descriptor", "path", path,
                        "bytes", n, "controlTruncated", (flags & MSG_CTRUNC) != 0));
            }
            return new Received(data.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), fd);
        } catch (Throwable t) {
            throw asIo(t);
        }
    }

    /** Keeps the first descriptor of the first SCM_RIGHTS message and closes any others. */
    private static int takeDescriptors(MemorySegment control, long controlLength) {
        int kept = -1;
        long offset = 0;
        while (offset + CMSG_HEADER_BYTES <= controlLength) {
            long length = control.get(ValueLayout.JAVA_LONG, offset);
            if (length < CMSG_HEADER_BYTES || offset + length > controlLength) {
                break;
            }
            int level = control.get(ValueLayout.JAVA_INT, offset + 8);
            int type = control.get(ValueLayout.JAVA_INT, offset + 12);
            if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                for (long p = offset + CMSG_HEADER_BYTES; p + 4 <= offset + length; p += 4) {
                    int fd = control.get(ValueLayout.JAVA_INT, p);
                    if (kept < 0) {
                        kept = fd;
                    } else {
                        LinuxOs.close(fd);
                    }
                }
            }
            offset += (length + 7) & ~7L;
        }
        return kept;
    }

    private static int socket(String path) throws IOException {
        if (path.getBytes(StandardCharsets.UTF_8).length >= SUN_PATH_BYTES) {
            throw new IllegalArgumentException(Messages.format("socket path too long", "path", path, "maxBytes",
                    SUN_PATH_BYTES - 1));
        }
        MemorySegment errno = Native.errnoBuffer();
        int fd;
        try {
            fd = (int) Libc.Sockets.SOCKET.invokeExact(errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw asIo(t);
        }
        if (fd < 0) {
            throw Errno.exception(Native.lastErrno(errno), "socket", path);
        }
        return fd;
    }

    private static MemorySegment address(Arena arena, String path) {
        MemorySegment address = arena.allocate(SOCKADDR_UN_BYTES, 2);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return address;
    }

    private static void setTimeout(int fd, int option, long timeoutMillis, String path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16, 8);
            timeval.set(ValueLayout.JAVA_LONG, 0, timeoutMillis / 1000);
            timeval.set(ValueLayout.JAVA_LONG, 8, (timeoutMillis % 1000) * 1000);
            MemorySegment errno = Native.errnoBuffer();
            int rc = (int) Libc.Sockets.SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, option, timeval, 16);
            if (rc != 0) {
                throw Errno.exception(Native.lastErrno(errno), "setsockopt", path);
            }
        } catch (Throwable t) {
            throw asIo(t);
        }
    }

    private static IOException asIo(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        throw LinuxOs.rethrow(t);
    }
}
