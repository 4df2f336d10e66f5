package org.shm4j.bench.transport;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;
import org.shm4j.bench.harness.Channel;
import org.shm4j.bench.harness.ChildProcess;
import org.shm4j.bench.harness.JvmTransport;
import org.shm4j.bench.harness.Listener;
import org.shm4j.bench.harness.Spec;
import org.shm4j.bench.harness.Waiter;

/**
 * Anonymous pipes: the peer's standard input and output, as {@link ProcessBuilder} makes them. The
 * harness uses the {@link Process} streams (buffered, flushed per message), the peer the file
 * channels of its file descriptors 0 and 1.
 */
public final class PipeTransport extends JvmTransport {
    public PipeTransport() {
        super("pipe", "Java, anonymous pipes (the peer's stdin/stdout), blocking");
    }

    @Override
    public int maxProducers() {
        return 4;
    }

    @Override
    protected boolean usesPeerStdio() {
        return true;
    }

    @Override
    protected Listener listen(Spec spec, Path workDirectory, Waiter waiter) {
        return new Listener() {
            @Override
            public List<String> peerArguments() {
                return List.of();
            }

            @Override
            public Channel accept(ChildProcess peer, Waiter w) {
                Process p = peer.process();
                OutputStream toPeer = p.getOutputStream();
                InputStream fromPeer = p.getInputStream();
                return new FramedChannel(Channels.newChannel(fromPeer), Channels.newChannel(toPeer), toPeer, () -> {
                    toPeer.close();
                    fromPeer.close();
                }, spec.maxMessageBytes());
            }

            @Override
            public void close() {}
        };
    }

    @Override
    protected Channel connect(Spec spec, List<String> arguments, Waiter waiter) {
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);
        return new FramedChannel(in.getChannel(), out.getChannel(), null, () -> {
            in.close();
            out.close();
        }, spec.maxMessageBytes());
    }
}
