package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.map.MapSpec;
import org.shm4j.map.SharedMap;
import org.shm4j.ring.BroadcastRing;
import org.shm4j.ring.MpscRing;
import org.shm4j.ring.SpscRing;
import org.shm4j.sync.EventReset;
import org.shm4j.sync.SharedEvent;
import org.shm4j.sync.SharedMutex;
import org.shm4j.sync.SharedReadWriteLock;
import org.shm4j.sync.SharedSemaphore;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * One namespace of typed objects: a name holds one kind of object, and opening it as any other
 * kind fails at once with {@link WrongObjectKindException} naming the name, the kind found and
 * the kind asked for.
 */
@ExtendWith(NoLeaks.class)
@Timeout(60)
class TypedNamespaceTest {
    private static final long RING_BYTES = 4096;
    private static final MapSpec MAP_SPEC = MapSpec.of(16, 8, 8);

    /** Opens (or creates) a name as one kind; the handle is closed at once. */
    @FunctionalInterface
    interface Opener {
        AutoCloseable open(String name) throws Exception;
    }

    private static final Map<ObjectKind, Opener> CREATE = new EnumMap<>(ObjectKind.class);
    private static final Map<ObjectKind, Opener> OPEN = new EnumMap<>(ObjectKind.class);
    private static final Map<ObjectKind, Opener> OPEN_OR_CREATE = new EnumMap<>(ObjectKind.class);

    static {
        CREATE.put(ObjectKind.SEGMENT, n -> SharedMemory.create(n, 4096));
        CREATE.put(ObjectKind.MUTEX, SharedMutex::create);
        CREATE.put(ObjectKind.READ_WRITE_LOCK, SharedReadWriteLock::create);
        CREATE.put(ObjectKind.EVENT, n -> SharedEvent.create(n, EventReset.MANUAL));
        CREATE.put(ObjectKind.SEMAPHORE, n -> SharedSemaphore.create(n, 0, 10));
        CREATE.put(ObjectKind.SPSC_RING, n -> SpscRing.create(n, RING_BYTES));
        CREATE.put(ObjectKind.MPSC_RING, n -> MpscRing.create(n, RING_BYTES));
        CREATE.put(ObjectKind.BROADCAST_RING, n -> BroadcastRing.create(n, RING_BYTES));
        CREATE.put(ObjectKind.MAP, n -> SharedMap.create(n, MAP_SPEC));

        OPEN.put(ObjectKind.SEGMENT, n -> SharedMemory.open(n, Access.READ_WRITE));
        OPEN.put(ObjectKind.MUTEX, SharedMutex::open);
        OPEN.put(ObjectKind.READ_WRITE_LOCK, SharedReadWriteLock::open);
        OPEN.put(ObjectKind.EVENT, SharedEvent::open);
        OPEN.put(ObjectKind.SEMAPHORE, SharedSemaphore::open);
        OPEN.put(ObjectKind.SPSC_RING, SpscRing::open);
        OPEN.put(ObjectKind.MPSC_RING, MpscRing::open);
        OPEN.put(ObjectKind.BROADCAST_RING, BroadcastRing::open);
        OPEN.put(ObjectKind.MAP, SharedMap::open);

        OPEN_OR_CREATE.put(ObjectKind.SEGMENT, n -> SharedMemory.openOrCreate(n, 4096));
        OPEN_OR_CREATE.put(ObjectKind.MUTEX, SharedMutex::openOrCreate);
        OPEN_OR_CREATE.put(ObjectKind.READ_WRITE_LOCK, SharedReadWriteLock::openOrCreate);
        OPEN_OR_CREATE.put(ObjectKind.EVENT, n -> SharedEvent.openOrCreate(n, EventReset.MANUAL));
        OPEN_OR_CREATE.put(ObjectKind.SEMAPHORE, n -> SharedSemaphore.openOrCreate(n, 0, 10));
        OPEN_OR_CREATE.put(ObjectKind.SPSC_RING, n -> SpscRing.openOrCreate(n, RING_BYTES));
        OPEN_OR_CREATE.put(ObjectKind.MPSC_RING, n -> MpscRing.openOrCreate(n, RING_BYTES));
        OPEN_OR_CREATE.put(ObjectKind.BROADCAST_RING, n -> BroadcastRing.openOrCreate(n, RING_BYTES));
        OPEN_OR_CREATE.put(ObjectKind.MAP, n -> SharedMap.openOrCreate(n, MAP_SPEC));
    }

    @ParameterizedTest
    @EnumSource(value = ObjectKind.class, mode = EnumSource.Mode.EXCLUDE, names = "FILE_MAPPING")
    void openingANameAsAnyOtherKindFailsAtOnceNamingBothKinds(ObjectKind held) throws Exception {
        String name = TestNames.unique("kind");
        AutoCloseable object = CREATE.get(held).open(name);
        try {
            for (ObjectKind asked : OPEN.keySet()) {
                if (asked == held) {
                    OPEN.get(asked).open(name).close();
                    OPEN_OR_CREATE.get(asked).open(name).close();
                    continue;
                }
                if (held == ObjectKind.SEGMENT && asked == ObjectKind.MAP) {
                    // A zeroed 4096-byte segment has a size a map can have (128 + stripes * a multiple of
                    // 64), so a map opener waits for its header: covered with other sizes below.
                    continue;
                }
                for (Opener opener : new Opener[] {OPEN.get(asked), OPEN_OR_CREATE.get(asked)}) {
                    long begin = System.nanoTime();
                    assertThatThrownBy(() -> opener.open(name).close())
                            .as("%s opened as %s", held, asked)
                            .isInstanceOfSatisfying(WrongObjectKindException.class, e -> {
                                assertThat(e.name()).isEqualTo(name);
                                assertThat(e.found()).isEqualTo(held);
                                assertThat(e.expected()).containsExactly(asked);
                                assertThat(e.getMessage()).contains("name=" + name, "found=" + held.label(),
                                        "expected=" + asked.label());
                            });
                    assertThat(System.nanoTime() - begin).as("%s opened as %s", held, asked)
                            .isLessThan(Duration.ofMillis(500).toNanos());
                }
            }
        } finally {
            object.close();
            SharedMemory.remove(name);
        }
    }

    @Test
    void aWrongKindOpenLeavesTheObjectAsItWas() throws Exception {
        String name = TestNames.unique("kindkeep");
        try (SharedEvent event = SharedEvent.create(name, EventReset.MANUAL)) {
            event.set();
            assertThatThrownBy(() -> SharedMemory.openOrCreate(name, 4096)).isInstanceOf(WrongObjectKindException.class);
            assertThatThrownBy(() -> SharedMutex.openOrCreate(name)).isInstanceOf(WrongObjectKindException.class);
            try (SharedEvent again = SharedEvent.open(name)) {
                assertThat(again.isSet()).isTrue();
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void anyKindOpensATypedObjectAsPlainBytes() throws Exception {
        String name = TestNames.unique("anykind");
        try (SpscRing ring = SpscRing.create(name, RING_BYTES);
             SharedMemory raw = SharedMemory.open(name, Access.READ_ONLY, SegmentOption.Flag.ANY_KIND);
             MappedView view = raw.map()) {
            assertThat(raw.byteSize()).isEqualTo(SpscRing.requiredBytes(ring.capacityBytes()));
            assertThat(view.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isNotZero();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aBlockPlacedAtTheStartOfALargerSegmentLeavesItASegment() throws Exception {
        String name = TestNames.unique("inplace");
        try (SharedMemory shm = SharedMemory.create(name, 4096); MappedView view = shm.map();
             SharedMutex mutex = SharedMutex.create(view.segment())) {
            assertThat(mutex.tryLock()).isPresent();
            mutex.unlock();
            try (SharedMemory again = SharedMemory.open(name, Access.READ_WRITE); MappedView v2 = again.map();
                 SharedMutex same = SharedMutex.open(v2.segment())) {
                assertThat(same.tryLock()).isPresent();
                same.unlock();
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void recognisersReadMagicAndSizeTogether() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment head = arena.allocate(ObjectKind.HEAD_BYTES, 8);
            assertThat(ObjectKind.recognise(head, 4096)).isEqualTo(ObjectKind.SEGMENT);
            // A named file mapping record: "SHM4JNFM", the path's length at 16, 64 + path bytes long.
            head.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x4D464E4A344D4853L);
            head.set(ValueLayout.JAVA_INT_UNALIGNED, 16, 20);
            assertThat(ObjectKind.recognise(head, 84)).isEqualTo(ObjectKind.FILE_MAPPING);
            assertThat(ObjectKind.recognise(head, 4096)).isEqualTo(ObjectKind.SEGMENT);
            // A sync header: "SYNC", type 3 (event) at 6; only an event-sized object is an event.
            head.fill((byte) 0);
            head.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x434E5953);
            head.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) 3);
            assertThat(ObjectKind.recognise(head, 40)).isEqualTo(ObjectKind.EVENT);
            assertThat(ObjectKind.recognise(head, 64)).isEqualTo(ObjectKind.SEGMENT);
            head.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) 9);
            assertThat(ObjectKind.recognise(head, 40)).isEqualTo(ObjectKind.SEGMENT);
            // A map header: "SHM4JMAP", stripes u32 at 24, stripe bytes u64 at 56; a map is 128 + stripes * stripe bytes.
            head.fill((byte) 0);
            head.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x50414D4A344D4853L);
            head.set(ValueLayout.JAVA_INT_UNALIGNED, 24, 2);
            head.set(ValueLayout.JAVA_LONG_UNALIGNED, 56, 1024);
            assertThat(ObjectKind.recognise(head, 128 + 2 * 1024)).isEqualTo(ObjectKind.MAP);
            assertThat(ObjectKind.recognise(head, 4096)).isEqualTo(ObjectKind.SEGMENT);
            head.set(ValueLayout.JAVA_LONG_UNALIGNED, 56, Long.MAX_VALUE);
            assertThat(ObjectKind.recognise(head, 128 + 2 * 1024)).isEqualTo(ObjectKind.SEGMENT);
            head.set(ValueLayout.JAVA_LONG_UNALIGNED, 56, 1024);
            head.set(ValueLayout.JAVA_INT_UNALIGNED, 24, 0);
            assertThat(ObjectKind.recognise(head, 128)).isEqualTo(ObjectKind.SEGMENT);
            // Fewer bytes than a header: whatever they are, a segment.
            assertThat(ObjectKind.recognise(head.asSlice(0, 3), 3)).isEqualTo(ObjectKind.SEGMENT);
        }
    }

    @Test
    void aMapPlacedAtTheStartOfALargerSegmentLeavesItASegment() throws Exception {
        String name = TestNames.unique("mapinplace");
        try (SharedMemory shm = SharedMemory.create(name, SharedMap.requiredBytes(MAP_SPEC) + 4096);
             MappedView view = shm.map(); SharedMap map = SharedMap.create(view.segment(), MAP_SPEC)) {
            map.longKeys().put(1, MemorySegment.ofArray(new byte[] {7}));
            try (SharedMemory again = SharedMemory.open(name, Access.READ_WRITE)) {
                assertThat(again.byteSize()).isEqualTo(shm.byteSize());
            }
            assertThatThrownBy(() -> SharedMap.open(name)).isInstanceOfSatisfying(WrongObjectKindException.class,
                    e -> assertThat(e.found()).isEqualTo(ObjectKind.SEGMENT));
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aPlainSegmentThatLooksHalfBuiltForItsSizeIsWaitedForButOtherSizesFailAtOnce() throws Exception {
        String name = TestNames.unique("plain");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            for (Opener asked : new Opener[] {SharedEvent::open, n -> SharedEvent.openOrCreate(n, EventReset.AUTO),
                    SharedMutex::open, SpscRing::open, n -> MpscRing.openOrCreate(n, RING_BYTES)}) {
                long begin = System.nanoTime();
                assertThatThrownBy(() -> asked.open(name).close()).isInstanceOf(WrongObjectKindException.class)
                        .hasMessageContaining("found=segment");
                assertThat(System.nanoTime() - begin).isLessThan(Duration.ofMillis(500).toNanos());
            }
            assertThat(shm.byteSize()).isEqualTo(4096);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void aPlainSegmentOfNoMapSizeOrWithForeignBytesFailsAtOnceAsAMap() throws Exception {
        String odd = TestNames.unique("plainodd");
        String dirty = TestNames.unique("plaindirty");
        try (SharedMemory a = SharedMemory.create(odd, 4100); SharedMemory b = SharedMemory.create(dirty, 4096);
             MappedView view = b.map()) {
            assertThat(a.byteSize()).isEqualTo(4100);
            view.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1234L);
            for (String name : new String[] {odd, dirty}) {
                for (Opener asked : new Opener[] {SharedMap::open, n -> SharedMap.openOrCreate(n, MAP_SPEC)}) {
                    long begin = System.nanoTime();
                    assertThatThrownBy(() -> asked.open(name).close())
                            .isInstanceOfSatisfying(WrongObjectKindException.class, e -> {
                                assertThat(e.name()).isEqualTo(name);
                                assertThat(e.found()).isEqualTo(ObjectKind.SEGMENT);
                                assertThat(e.expected()).containsExactly(ObjectKind.MAP);
                            });
                    assertThat(System.nanoTime() - begin).isLessThan(Duration.ofMillis(500).toNanos());
                }
            }
            assertThat(view.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1234L);
        } finally {
            SharedMemory.remove(odd);
            SharedMemory.remove(dirty);
        }
    }

    @Test
    void aNamedFileMappingIsAKindOfItsOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String name = TestNames.unique("nfm");
        java.nio.file.Path file = dir.resolve("orders.bin");
        try (SharedMemory mapping = SharedMemory.mapFile(name, file, 4096, Access.READ_WRITE,
                SegmentOption.Disposition.OPEN_OR_CREATE)) {
            assertThat(mapping.byteSize()).isEqualTo(4096);
            try (SharedMemory again = SharedMemory.open(name, Access.READ_WRITE)) {
                assertThat(again.byteSize()).isEqualTo(4096);
            }
            for (ObjectKind asked : OPEN.keySet()) {
                if (asked == ObjectKind.SEGMENT) {
                    continue;
                }
                assertThatThrownBy(() -> OPEN.get(asked).open(name).close()).as("file mapping opened as %s", asked)
                        .isInstanceOfSatisfying(WrongObjectKindException.class, e -> {
                            assertThat(e.found()).isEqualTo(ObjectKind.FILE_MAPPING);
                            assertThat(e.expected()).containsExactly(asked);
                        });
            }
            try (SharedMemory record = SharedMemory.open(name, Access.READ_ONLY, SegmentOption.Flag.ANY_KIND)) {
                assertThat(record.path()).contains(file.toAbsolutePath());
            }
        } finally {
            SharedMemory.remove(name);
        }
    }
}
