package org.shm4j.bench.harness;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.shm4j.Access;
import org.shm4j.Commit;
import org.shm4j.MappedView;
import org.shm4j.SharedMemory;

/**
 * A {@link JvmTransport} over one named shm4j segment that both sides map: the base of the raw
 * shared-memory baseline, and the few lines a shm4j ring or event transport needs. The harness
 * creates the segment ({@link Commit#NOW}), lays out its structure in {@link #harnessSide}, and
 * removes the name when the session ends; the peer opens it by name and attaches in
 * {@link #peerSide}.
 *
 * {@snippet :
 * final class SpscRingTransport extends SegmentTransport {
 *     SpscRingTransport() { super("shm4j-spsc", "shm4j SpscRing, spinning waits"); }
 *     protected long segmentBytes(Spec spec) { return 2 * ringBytes(spec); }
 *     protected Channel harnessSide(MemorySegment memory, Spec spec, Waiter waiter) {
 *         // create a ring in each half: harness -> peer, then peer -> harness
 *     }
 *     protected Channel peerSide(MemorySegment memory, Spec spec, Waiter waiter) {
 *         // open the same two rings the other way round
 *     }
 * }
 * }
 */
public abstract class SegmentTransport extends JvmTransport {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    protected SegmentTransport(String name, String description) {
        super(name, description);
    }

    /** The segment's size for a session of {@code spec}. */
    protected abstract long segmentBytes(Spec spec);

    /** Lays out the structure in the fresh (zeroed) segment and returns the harness end. */
    protected abstract Channel harnessSide(MemorySegment memory, Spec spec, Waiter waiter) throws IOException;

    /** Attaches to the structure the harness laid out and returns the peer end. */
    protected abstract Channel peerSide(MemorySegment memory, Spec spec, Waiter waiter) throws IOException;

    /** A name no other session of any run on this machine uses. */
    static String uniqueName(String label) {
        return "shm4j-bench-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-" + label;
    }

    @Override
    protected final Listener listen(Spec spec, Path workDirectory, Waiter waiter) throws IOException {
        String segmentName = uniqueName(name());
        SharedMemory shm = SharedMemory.create(segmentName, segmentBytes(spec), Commit.NOW);
        try {
            MappedView view = shm.map();
            Channel channel;
            try {
                channel = harnessSide(view.segment(), spec, waiter);
            } catch (IOException | RuntimeException e) {
                view.close();
                throw e;
            }
            Channel owned = new OwningChannel(channel, view, shm);
            return Listener.ready(List.of(segmentName), owned, () -> {
                owned.close();
                SharedMemory.remove(segmentName);
            });
        } catch (IOException | RuntimeException e) {
            shm.close();
            SharedMemory.remove(segmentName);
            throw e;
        }
    }

    @Override
    protected final Channel connect(Spec spec, List<String> arguments, Waiter waiter) throws IOException {
        SharedMemory shm = SharedMemory.open(arguments.get(0), Access.READ_WRITE);
        MappedView view = null;
        try {
            view = shm.map();
            return new OwningChannel(peerSide(view.segment(), spec, waiter), view, shm);
        } catch (IOException | RuntimeException e) {
            if (view != null) {
                view.close();
            }
            shm.close();
            throw e;
        }
    }

    /** A channel that also unmaps and closes the segment it lives in. */
    private static final class OwningChannel implements Channel {
        private final Channel channel;
        private final MappedView view;
        private final SharedMemory shm;

        OwningChannel(Channel channel, MappedView view, SharedMemory shm) {
            this.channel = channel;
            this.view = view;
            this.shm = shm;
        }

        @Override
        public void send(MemorySegment source, int length) throws IOException {
            channel.send(source, length);
        }

        @Override
        public int receive(MemorySegment target) throws IOException {
            return channel.receive(target);
        }

        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                view.close();
                shm.close();
            }
        }
    }
}
