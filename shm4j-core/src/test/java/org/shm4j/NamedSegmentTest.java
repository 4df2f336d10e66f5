package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** Memory-only named objects: create, open, open-or-create, remove, and the creation race. */
@ExtendWith(NoLeaks.class)
class NamedSegmentTest {

    @Test
    void createMakesAnObjectInDevShmOfTheRequestedSize() throws Exception {
        String name = TestNames.unique("create");
        try (SharedMemory shm = SharedMemory.create(name, 12_345)) {
            assertThat(shm.created()).isTrue();
            assertThat(shm.byteSize()).isEqualTo(12_345);
            assertThat(shm.access()).isEqualTo(Access.READ_WRITE);
            assertThat(shm.lifetime()).isEqualTo(Lifetime.PERSISTENT);
            assertThat(shm.name()).map(SegmentName::value).contains(name);
            assertThat(shm.path()).contains(Path.of("/dev/shm", name));
            assertThat(Files.size(Path.of("/dev/shm", name))).isEqualTo(12_345);
            assertThat(OsProbe.stat(Path.of("/dev/shm", name)).links()).isEqualTo(1);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void createFailsWhenTheNameExistsAndLeavesTheExistingObjectAlone() throws Exception {
        String name = TestNames.unique("create-twice");
        try (SharedMemory first = SharedMemory.create(name, 4096);
             MappedView view = first.map()) {
            view.segment().set(JAVA_LONG, 0, 0xC0FFEEL);
            assertThatThrownBy(() -> SharedMemory.create(name, 8192))
                    .isInstanceOf(FileAlreadyExistsException.class)
                    .hasMessageContaining(name);
            assertThat(Files.size(Path.of("/dev/shm", name))).isEqualTo(4096);
            assertThat(view.segment().get(JAVA_LONG, 0)).isEqualTo(0xC0FFEEL);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void openSeesTheCreatorsBytesAndSize() throws Exception {
        String name = TestNames.unique("open");
        try (SharedMemory creator = SharedMemory.create(name, 3 * 4096 + 7);
             MappedView w = creator.map()) {
            w.segment().set(JAVA_LONG, 8, 42L);
            try (SharedMemory opened = SharedMemory.open(name, Access.READ_WRITE);
                 MappedView r = opened.map()) {
                assertThat(opened.created()).isFalse();
                assertThat(opened.byteSize()).isEqualTo(3 * 4096 + 7);
                assertThat(r.segment().get(JAVA_LONG, 8)).isEqualTo(42L);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void openOfAMissingNameIsNoSuchFile() {
        String name = TestNames.unique("missing");
        assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_ONLY))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(name);
        assertThat(SharedMemory.exists(name)).isFalse();
    }

    @Test
    void openOrCreateReportsCreatedAndTheExistingObjectsSizeWins() throws Exception {
        String name = TestNames.unique("ooc");
        try (SharedMemory first = SharedMemory.openOrCreate(name, 8192);
             SharedMemory second = SharedMemory.openOrCreate(name, 65536);
             SharedMemory third = SharedMemory.openOrCreate(name, 100)) {
            assertThat(first.created()).isTrue();
            assertThat(first.byteSize()).isEqualTo(8192);
            assertThat(second.created()).isFalse();
            assertThat(second.byteSize()).isEqualTo(8192);
            assertThat(third.created()).isFalse();
            assertThat(third.byteSize()).isEqualTo(8192);
            assertThat(Files.size(Path.of("/dev/shm", name))).isEqualTo(8192);
            // One name only: a leftover private link would keep the storage after remove().
            assertThat(OsProbe.stat(Path.of("/dev/shm", name)).links()).isEqualTo(1);
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void removeDeletesTheNameButMappedViewsKeepWorking() throws Exception {
        String name = TestNames.unique("remove");
        try (SharedMemory shm = SharedMemory.create(name, 4096);
             MappedView view = shm.map()) {
            view.segment().set(JAVA_LONG, 0, 7L);
            assertThat(SharedMemory.exists(name)).isTrue();
            assertThat(SharedMemory.remove(name)).isTrue();
            assertThat(SharedMemory.exists(name)).isFalse();
            assertThat(Files.exists(Path.of("/dev/shm", name))).isFalse();
            assertThat(SharedMemory.remove(name)).isFalse();
            view.segment().set(JAVA_LONG, 0, 8L);
            assertThat(view.segment().get(JAVA_LONG, 0)).isEqualTo(8L);
            assertThatThrownBy(() -> SharedMemory.open(name, Access.READ_WRITE)).isInstanceOf(NoSuchFileException.class);
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * The creator's own mappings show the object's name in /proc/self/maps (what pmap and lsof
     * read), not a deleted private name: the object is published by renaming, never link + unlink.
     */
    @Test
    void theCreatorsMapsShowTheObjectsNameNotAPrivateDeletedOne() throws Exception {
        String created = TestNames.unique("maps-create");
        String openedOrCreated = TestNames.unique("maps-ooc");
        String referenceCounted = TestNames.unique("maps-refcount");
        try (SharedMemory a = SharedMemory.create(created, 4096);
             SharedMemory b = SharedMemory.openOrCreate(openedOrCreated, 4096);
             SharedMemory c = SharedMemory.create(referenceCounted, 4096, Lifetime.REFERENCE_COUNTED);
             MappedView va = a.map();
             MappedView vb = b.map();
             MappedView vc = c.map()) {
            assertThat(b.created()).isTrue();
            assertThat(OsProbe.mapsLine(va.segment().address())).endsWith(" /dev/shm/" + created);
            assertThat(OsProbe.mapsLine(vb.segment().address())).endsWith(" /dev/shm/" + openedOrCreated);
            assertThat(OsProbe.mapsLine(vc.segment().address())).endsWith(" /dev/shm/" + referenceCounted);
            try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(Path.of("/dev/shm"))) {
                assertThat(entries.map(p -> p.getFileName().toString()))
                        .noneMatch(n -> n.startsWith(ObjectOpener.INIT_PREFIX + ProcessHandle.current().pid() + "."));
            }
            // One name, one link: remove() frees the storage, no second name keeps it.
            assertThat(OsProbe.stat(Path.of("/dev/shm", created)).links()).isEqualTo(1);
        } finally {
            SharedMemory.remove(created);
            SharedMemory.remove(openedOrCreated);
            SharedMemory.remove(referenceCounted);
        }
    }

    @Test
    void sizeMustBePositive() {
        String name = TestNames.unique("size");
        assertThatThrownBy(() -> SharedMemory.create(name, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("byteSize=0");
        assertThatThrownBy(() -> SharedMemory.openOrCreate(name, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SharedMemory.exists(name)).isFalse();
    }

    /**
     * Eight JVMs wait on a start file, then all call openOrCreate on the same names, each asking
     * for a different size. For every name exactly one may say CREATED, and all must see the
     * creator's size.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void exactlyOneOfEightRacingProcessesCreates(@TempDir Path dir) throws Exception {
        int children = 8;
        int rounds = 20;
        String base = TestNames.unique("race");
        Path go = dir.resolve("go");
        List<ChildJvm> racers = new ArrayList<>();
        try {
            for (int i = 0; i < children; i++) {
                racers.add(ChildJvm.start(Racer.class, base, Integer.toString(rounds), Long.toString(4096L * (i + 1)),
                        go.toString()));
            }
            for (ChildJvm c : racers) {
                c.awaitOutput("READY", Duration.ofSeconds(120));
            }
            Files.createFile(go);
            for (ChildJvm c : racers) {
                c.assertExitCode(0, Duration.ofSeconds(120));
            }
            for (int round = 0; round < rounds; round++) {
                String name = base + "-" + round;
                Map<String, Integer> outcomes = new HashMap<>();
                List<Long> sizes = new ArrayList<>();
                long creatorAsked = -1;
                for (ChildJvm c : racers) {
                    String line = c.output().lines().filter(l -> l.startsWith(name + " ")).findFirst()
                            .orElseThrow(() -> new AssertionError("no result for " + name + " in\n" + c.output()));
                    String[] parts = line.split(" ");
                    outcomes.merge(parts[1], 1, Integer::sum);
                    sizes.add(Long.parseLong(parts[2]));
                    if (parts[1].equals("CREATED")) {
                        creatorAsked = Long.parseLong(parts[3]);
                    }
                }
                assertThat(outcomes).as("round %d", round).containsEntry("CREATED", 1)
                        .containsEntry("OPENED", children - 1);
                assertThat(sizes).as("sizes seen in round %d", round).containsOnly(creatorAsked);
                assertThat(Files.size(Path.of("/dev/shm", name))).isEqualTo(creatorAsked);
            }
        } finally {
            racers.forEach(ChildJvm::close);
            for (int round = 0; round < rounds; round++) {
                SharedMemory.remove(base + "-" + round);
            }
        }
    }

    /** Args: base name, rounds, size to ask for, start file. Prints {@code <name> CREATED|OPENED <size> <asked>}. */
    public static final class Racer {
        public static void main(String[] args) throws Exception {
            String base = args[0];
            int rounds = Integer.parseInt(args[1]);
            long size = Long.parseLong(args[2]);
            Path go = Path.of(args[3]);
            // Warm the code path on a private name so the race is not decided by class loading.
            String warm = base + "-warm-" + ProcessHandle.current().pid();
            SharedMemory.openOrCreate(warm, 4096).close();
            SharedMemory.remove(warm);
            System.out.println("READY");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(go)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("no start signal");
                }
                Thread.onSpinWait();
            }
            StringBuilder out = new StringBuilder();
            for (int round = 0; round < rounds; round++) {
                String name = base + "-" + round;
                try (SharedMemory shm = SharedMemory.openOrCreate(name, size)) {
                    out.append(name).append(shm.created() ? " CREATED " : " OPENED ").append(shm.byteSize())
                            .append(' ').append(size).append('\n');
                }
            }
            System.out.print(out);
        }
    }
}
