package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** UnmapViewOfFile and CloseHandle: idempotent, thread-safe, safe after close, in any order. */
@ExtendWith(NoLeaks.class)
class CloseTest {
    private static final int THREADS = 16;

    /** Runs {@code action} on {@link #THREADS} threads released together; rethrows the first failure. */
    private static void concurrently(Runnable action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch ready = new CountDownLatch(THREADS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await(30, TimeUnit.SECONDS);
                    action.run();
                    return null;
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            for (Future<?> f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closeIsIdempotent() throws Exception {
        String name = TestNames.unique("close-twice");
        try {
            SharedMemory shm = SharedMemory.create(name, 4096);
            MappedView view = shm.map();
            view.close();
            view.close();
            assertThat(view.isOpen()).isFalse();
            shm.close();
            shm.close();
            assertThat(shm.isOpen()).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentClosesOfAViewReleaseTheObjectOnce() throws Exception {
        String name = TestNames.unique("close-concurrent");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            for (int round = 0; round < 20; round++) {
                MappedView view = shm.map();
                concurrently(view::close);
                assertThat(view.isOpen()).isFalse();
            }
            // Had any close released the object twice, the handle's reference would be gone.
            try (MappedView still = shm.map()) {
                still.segment().set(JAVA_LONG, 0, 5L);
                still.force(Flush.DATA_AND_METADATA);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentClosesOfAHandleReleaseTheObjectOnce() throws Exception {
        String name = TestNames.unique("close-handle-concurrent");
        try {
            for (int round = 0; round < 20; round++) {
                SharedMemory shm = SharedMemory.openOrCreate(name, 4096, Lifetime.REFERENCE_COUNTED);
                MappedView a = shm.map();
                MappedView b = shm.map();
                concurrently(shm::close);
                assertThat(shm.isOpen()).isFalse();
                // Two views still hold the object: it stays named and its descriptor stays open.
                b.close();
                assertThat(SharedMemory.exists(name)).isTrue();
                a.segment().set(JAVA_LONG, 0, round);
                a.force(Flush.DATA_AND_METADATA);
                a.close();
                assertThat(SharedMemory.exists(name)).isFalse();
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void accessAfterCloseThrowsIllegalState() throws Exception {
        String name = TestNames.unique("after-close");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            MappedView view = shm.map();
            MemorySegment s = view.segment();
            MemorySegment slice = s.asSlice(8, 8);
            long address = s.address();
            view.close();
            assertThatThrownBy(() -> s.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> s.set(JAVA_LONG, 0, 1L)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> slice.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> s.fill((byte) 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.access(seg -> seg.get(JAVA_LONG, 0)))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(OsProbe.isMapped(address)).as("unmapped at once").isFalse();
        } finally {
            SharedMemory.remove(name);
        }
        SharedMemory closedHandle = SharedMemory.create(name, 4096);
        closedHandle.close();
        try {
            assertThatThrownBy(closedHandle::map).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(name);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingWhileAnotherThreadReadsNeverCrashes() throws Exception {
        String name = TestNames.unique("close-while-reading");
        try (SharedMemory shm = SharedMemory.create(name, 1 << 20)) {
            for (int round = 0; round < 10; round++) {
                MappedView view = shm.map();
                AtomicReference<Throwable> readerEnd = new AtomicReference<>();
                AtomicLong reads = new AtomicLong();
                CountDownLatch reading = new CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    MemorySegment s = view.segment();
                    try {
                        while (true) {
                            long sum = 0;
                            for (long i = 0; i < s.byteSize(); i += 4096) {
                                sum += s.get(JAVA_LONG, i);
                            }
                            reads.addAndGet(sum + 1);
                            reading.countDown();
                        }
                    } catch (Throwable t) {
                        readerEnd.set(t);
                    }
                });
                reader.start();
                assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
                view.close();
                reader.join(30_000);
                assertThat(reader.isAlive()).isFalse();
                assertThat(readerEnd.get()).isInstanceOf(IllegalStateException.class);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void closingTheHandleKeepsItsViewsWorking() throws Exception {
        String name = TestNames.unique("handle-first");
        try {
            MappedView view;
            try (SharedMemory shm = SharedMemory.create(name, 8192)) {
                view = shm.map(Access.READ_WRITE, 96, 0);
            }
            try (view) {
                view.segment().set(JAVA_LONG, 0, 77L);
                view.force();
                try (SharedMemory again = SharedMemory.open(name, Access.READ_ONLY);
                     MappedView check = again.map()) {
                    assertThat(check.segment().get(JAVA_LONG, 96)).isEqualTo(77L);
                }
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aConfinedViewWorksInItsThreadAndRejectsOthers() throws Exception {
        String name = TestNames.unique("confined");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            MappedView view = shm.map(Access.READ_WRITE, 0, 0, MapOption.Flag.CONFINED);
            try {
                view.segment().set(JAVA_LONG, 0, 11L);
                assertThat(view.segment().get(JAVA_LONG, 0)).isEqualTo(11L);
                view.force();
                AtomicReference<Throwable> access = new AtomicReference<>();
                AtomicReference<Throwable> close = new AtomicReference<>();
                Thread other = new Thread(() -> {
                    try {
                        view.segment().get(JAVA_LONG, 0);
                    } catch (Throwable t) {
                        access.set(t);
                    }
                    try {
                        view.close();
                    } catch (Throwable t) {
                        close.set(t);
                    }
                });
                other.start();
                other.join(30_000);
                assertThat(access.get()).isInstanceOf(WrongThreadException.class);
                assertThat(close.get()).isInstanceOf(WrongThreadException.class);
                // The failed close from the wrong thread left the view open and usable.
                assertThat(view.isOpen()).isTrue();
                assertThat(view.segment().get(JAVA_LONG, 0)).isEqualTo(11L);
            } finally {
                view.close();
            }
            assertThat(view.isOpen()).isFalse();
            assertThatThrownBy(() -> view.segment().get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            try (MappedView shared = shm.map()) {
                assertThat(shared.segment().get(JAVA_LONG, 0)).isEqualTo(11L);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }
}
