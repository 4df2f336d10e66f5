package org.shm4j.bench.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.ChildProcess;
import org.shm4j.bench.harness.JvmTransport;
import org.shm4j.bench.harness.Listener;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;
import org.shm4j.bench.harness.Kv;

/** Java {@link SocketChannel}s, blocking, over a Unix-domain socket or TCP loopback (TCP_NODELAY). */
public final class SocketTransport extends JvmTransport {
    private final boolean unix;

    private SocketTransport(boolean unix, String name, String description) {
        super(name, description);
        this.unix = unix;
    }

    public static SocketTransport unixDomain() {
        return new SocketTransport(true, "uds", "Java SocketChannel over a Unix-domain stream socket, blocking");
    }

    public static SocketTransport tcpLoopback() {
        return new SocketTransport(false, "tcp", "Java SocketChannel over TCP loopback (127.0.0.1), TCP_NODELAY, blocking");
    }

    @Override
    public int maxProducers() {
        return 4;
    }

    @Override
    protected Listener listen(Spec spec, Path workDirectory, Waiter waiter) throws IOException {
        ServerSocketChannel server;
        Path socketPath = null;
        if (unix) {
            Files.createDirectories(workDirectory);
            socketPath = Files.createTempFile(workDirectory, "uds-", ".sock");
            Files.delete(socketPath);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketPath));
        } else {
            server = ServerSocketChannel.open(StandardProtocolFamily.INET);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        server.configureBlocking(false);
        String address = unix ? socketPath.toString()
                : Integer.toString(((InetSocketAddress) server.getLocalAddress()).getPort());
        Path toRemove = socketPath;
        return new Listener() {
            @Override
            public List<String> peerArguments() {
                return List.of(address);
            }

            @Override
            public Channel accept(ChildProcess peer, Waiter w) throws IOException {
                while (true) {
                    SocketChannel socket = server.accept();
                    if (socket != null) {
                        socket.configureBlocking(true);
                        return framed(socket, spec);
                    }
                    if (!peer.isAlive()) {
                        throw new IOException(Kv.format("peer exited before connecting", "transport", name()));
                    }
                    w.check();
                    sleepMillis(1);
                }
            }

            @Override
            public void close() throws IOException {
                server.close();
                if (toRemove != null) {
                    Files.deleteIfExists(toRemove);
                }
            }
        };
    }

    @Override
    protected Channel connect(Spec spec, List<String> arguments, Waiter waiter) throws IOException {
        SocketAddress address = unix ? UnixDomainSocketAddress.of(arguments.get(0))
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(arguments.get(0)));
        return framed(SocketChannel.open(address), spec);
    }

    private FramedChannel framed(SocketChannel socket, Spec spec) throws IOException {
        if (!unix) {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return new FramedChannel(socket, socket, null, socket, spec.maxMessageBytes());
    }

    private static void sleepMillis(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while accepting");
        }
    }
}
