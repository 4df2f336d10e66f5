package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** Lifetimes: PERSISTENT (POSIX) and REFERENCE_COUNTED (Windows: gone with the last handle or view). */
@ExtendWith(NoLeaks.class)
@SuppressWarnings("try")
class LifetimeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aPersistentObjectStaysUntilRemoved() throws Exception {
        String name = TestNames.unique("persistent");
        try {
            try (SharedMemory shm = SharedMemory.create(name, 4096);
                 MappedView view = shm.map()) {
                assertThat(shm.lifetime()).isEqualTo(Lifetime.PERSISTENT);
                view.segment().set(JAVA_LONG, 0, 123L);
            }
            assertThat(SharedMemory.exists(name)).isTrue();
            try (SharedMemory again = SharedMemory.open(name, Access.READ_ONLY);
                 MappedView view = again.map()) {
                assertThat(again.lifetime()).isEqualTo(Lifetime.PERSISTENT);
                assertThat(view.segment().get(JAVA_LONG, 0)).isEqualTo(123L);
            }
            assertThat(SharedMemory.exists(name)).isTrue();
            assertThat(SharedMemory.remove(name)).isTrue();
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * Two handles and two views closed in every order given by the digits: 0 and 1 are the
     * handles, 2 and 3 the views (2 from handle 0, 3 from handle 1). The name must exist until the
     * fourth close and be gone after it.
     */
    @ParameterizedTest(name = "close order {0}")
    @ValueSource(strings = {"0123", "3210", "0213", "2031", "1302", "3120", "2301", "1032"})
    void aReferenceCountedNameGoesWithTheLastHandleOrView(String order) throws Exception {
        String name = TestNames.unique("refcount");
        try {
            SharedMemory creator = SharedMemory.create(name, 4096, Lifetime.REFERENCE_COUNTED);
            SharedMemory opener = SharedMemory.open(name, Access.READ_WRITE);
            assertThat(creator.lifetime()).isEqualTo(Lifetime.REFERENCE_COUNTED);
            assertThat(opener.lifetime()).isEqualTo(Lifetime.REFERENCE_COUNTED);
            List<AutoCloseable> closeables = List.of(creator, opener, creator.map(), opener.map());
            for (int i = 0; i < 4; i++) {
                assertThat(SharedMemory.exists(name)).as("before close %d of %s", i, order).isTrue();
                closeables.get(order.charAt(i) - '0').close();
            }
            assertThat(SharedMemory.exists(name)).as("after the last close").isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aReadOnlyAttacherThatClosesLastRemovesTheName() throws Exception {
        String name = TestNames.unique("refcount-ro");
        try {
            SharedMemory creator = SharedMemory.create(name, 4096, Lifetime.REFERENCE_COUNTED);
            SharedMemory reader = SharedMemory.open(name, Access.READ_ONLY);
            MappedView view = reader.map();
            creator.close();
            assertThat(SharedMemory.exists(name)).isTrue();
            reader.close();
            assertThat(SharedMemory.exists(name)).isTrue();
            view.close();
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aReadOnlyAttacherKeepsTheNameWhileTheWriterCloses() throws Exception {
        String name = TestNames.unique("refcount-ro-held");
        try {
            SharedMemory creator = SharedMemory.create(name, 4096, Lifetime.REFERENCE_COUNTED);
            try (SharedMemory _ = SharedMemory.open(name, Access.READ_ONLY)) {
                creator.close();
                assertThat(SharedMemory.exists(name)).isTrue();
                try (SharedMemory third = SharedMemory.open(name, Access.READ_WRITE)) {
                    assertThat(third.lifetime()).isEqualTo(Lifetime.REFERENCE_COUNTED);
                }
                assertThat(SharedMemory.exists(name)).isTrue();
            }
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** The last two attachers close at the same moment: one of them must remove the name. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twoLastClosersAtOnceStillRemoveTheName() throws Exception {
        String name = TestNames.unique("refcount-two-last");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 300; round++) {
                SharedMemory a = SharedMemory.create(name, 4096, Lifetime.REFERENCE_COUNTED);
                SharedMemory b = SharedMemory.open(name, Access.READ_WRITE);
                CyclicBarrier together = new CyclicBarrier(2);
                Future<?> fa = pool.submit(() -> {
                    together.await(30, TimeUnit.SECONDS);
                    a.close();
                    return null;
                });
                Future<?> fb = pool.submit(() -> {
                    together.await(30, TimeUnit.SECONDS);
                    b.close();
                    return null;
                });
                fa.get(30, TimeUnit.SECONDS);
                fb.get(30, TimeUnit.SECONDS);
                assertThat(SharedMemory.exists(name)).as("round %d", round).isFalse();
            }
        } finally {
            pool.shutdownNow();
            SharedMemory.remove(name);
        }
    }

    @Test
    void openOrCreateOfAReferenceCountedNameAttaches() throws Exception {
        String name = TestNames.unique("refcount-ooc");
        try {
            SharedMemory a = SharedMemory.openOrCreate(name, 4096, Lifetime.REFERENCE_COUNTED);
            SharedMemory b = SharedMemory.openOrCreate(name, 4096, Lifetime.REFERENCE_COUNTED);
            assertThat(a.created()).isTrue();
            assertThat(b.created()).isFalse();
            a.close();
            assertThat(SharedMemory.exists(name)).isTrue();
            b.close();
            assertThat(SharedMemory.exists(name)).isFalse();
            // The name can be created afresh afterwards.
            try (SharedMemory c = SharedMemory.openOrCreate(name, 8192, Lifetime.REFERENCE_COUNTED)) {
                assertThat(c.created()).isTrue();
                assertThat(c.byteSize()).isEqualTo(8192);
            }
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aKilledAttacherDoesNotKeepTheNameAfterTheParentCloses() throws Exception {
        String name = TestNames.unique("refcount-kill");
        try {
            SharedMemory shm = SharedMemory.create(name, 4096, Lifetime.REFERENCE_COUNTED);
            try (ChildJvm child = ChildJvm.start(Attacher.class, name, "open")) {
                child.awaitOutput("ATTACHED", WAIT);
                // While the child holds it, our close must not remove the name.
                try (SharedMemory probe = SharedMemory.open(name, Access.READ_ONLY)) {
                    assertThat(probe.byteSize()).isEqualTo(4096);
                }
                child.kill();
            }
            assertThat(SharedMemory.exists(name)).isTrue();
            shm.close();
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theParentsCloseLeavesTheNameToALiveChild() throws Exception {
        String name = TestNames.unique("refcount-child-holds");
        try {
            SharedMemory shm = SharedMemory.create(name, 4096, Lifetime.REFERENCE_COUNTED);
            try (ChildJvm child = ChildJvm.start(Attacher.class, name, "open")) {
                child.awaitOutput("ATTACHED", WAIT);
                shm.close();
                assertThat(SharedMemory.exists(name)).isTrue();
                child.kill();
            }
            // Every attacher is gone (one closed, one killed): the next open finds an orphan.
            assertThat(java.nio.file.Path.of("/dev/shm", name)).exists();
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_WRITE))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining(name);
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void whenEveryAttacherIsKilledTheNextOpenFindsNothing() throws Exception {
        String name = TestNames.unique("refcount-all-killed");
        List<ChildJvm> children = new ArrayList<>();
        try {
            children.add(ChildJvm.start(Attacher.class, name, "create"));
            children.get(0).awaitOutput("ATTACHED", WAIT);
            children.add(ChildJvm.start(Attacher.class, name, "open"));
            children.get(1).awaitOutput("ATTACHED", WAIT);
            assertThat(SharedMemory.exists(name)).isTrue();
            for (ChildJvm c : children) {
                c.kill();
            }
            // Linux keeps the name after the kill; shm4j's first look removes it.
            assertThat(java.nio.file.Path.of("/dev/shm", name)).exists();
            // A read-only opener must not adopt the orphan either.
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                    .isInstanceOf(NoSuchFileException.class);
            assertThat(java.nio.file.Path.of("/dev/shm", name)).doesNotExist();
            assertThat(SharedMemory.exists(name)).isFalse();
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_WRITE))
                    .isInstanceOf(NoSuchFileException.class);
        } finally {
            children.forEach(ChildJvm::close);
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void openOrCreateReplacesAnOrphanWithAFreshObject() throws Exception {
        String name = TestNames.unique("refcount-orphan-ooc");
        try {
            try (ChildJvm child = ChildJvm.start(Attacher.class, name, "create")) {
                child.awaitOutput("ATTACHED", WAIT);
                child.kill();
            }
            try (SharedMemory shm = SharedMemory.openOrCreate(name, 8192, Lifetime.REFERENCE_COUNTED);
                 MappedView view = shm.map()) {
                assertThat(shm.created()).isTrue();
                assertThat(shm.byteSize()).isEqualTo(8192);
                assertThat(view.segment().get(JAVA_LONG, 0)).as("fresh, not the orphan's data").isZero();
            }
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void existsAndSegmentInfoAgreeWithOpenOnAnOrphanAndRemoveIt() throws Exception {
        String name = TestNames.unique("refcount-orphan-exists");
        String held = TestNames.unique("refcount-held");
        try (SharedMemory holder = SharedMemory.create(held, 4096, Lifetime.REFERENCE_COUNTED)) {
            try (ChildJvm child = ChildJvm.start(Attacher.class, name, "create")) {
                child.awaitOutput("ATTACHED", WAIT);
                assertThat(SharedMemory.exists(name)).as("a live holder").isTrue();
                assertThat(SegmentInfo.of(SegmentName.of(name)).attachState())
                        .isEqualTo(SegmentInfo.AttachState.ATTACHED);
                child.kill();
            }
            assertThat(SegmentInfo.of(SegmentName.of(held)).attachState()).isEqualTo(SegmentInfo.AttachState.ATTACHED);
            assertThat(java.nio.file.Path.of("/dev/shm", name)).exists();
            assertThat(SharedMemory.exists(name)).as("exists agrees with open: an orphan is not there").isFalse();
            assertThat(java.nio.file.Path.of("/dev/shm", name)).as("and the look removed it").doesNotExist();
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY)).isInstanceOf(NoSuchFileException.class);
            assertThat(SharedMemory.exists(held)).isTrue();
            // The same through SegmentInfo, the CLI's view.
            try (ChildJvm child = ChildJvm.start(Attacher.class, name, "create")) {
                child.awaitOutput("ATTACHED", WAIT);
                child.kill();
            }
            SegmentInfo orphan = SegmentInfo.of(SegmentName.of(name));
            assertThat(orphan.lifetime()).contains(Lifetime.REFERENCE_COUNTED);
            assertThat(orphan.attachState()).isEqualTo(SegmentInfo.AttachState.ORPHAN_REMOVED);
            assertThat(SharedMemory.exists(name)).isFalse();
        } finally {
            SharedMemory.remove(name);
            SharedMemory.remove(held);
        }
    }

    /** Args: name, "create" or "open". Attaches, writes a marker, prints ATTACHED and waits to be killed. */
    public static final class Attacher {
        public static void main(String[] args) throws Exception {
            SharedMemory shm = args[1].equals("create")
                    ? SharedMemory.create(args[0], 4096, Lifetime.REFERENCE_COUNTED)
                    : SharedMemory.open(args[0], Access.READ_WRITE);
            MappedView view = shm.map();
            view.segment().set(JAVA_LONG, 0, ProcessHandle.current().pid());
            System.out.println("ATTACHED " + shm.lifetime());
            Thread.sleep(120_000);
            System.exit(3);
        }
    }
}
