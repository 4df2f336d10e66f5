package org.shm4j.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.shm4j.SharedMemory;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/**
 * The published layout, spoken by other languages through the same ring: the C header's producer
 * and consumer ({@code interop/c}) and the Python reader ({@code interop/python}). Skipped where
 * gcc or python3 is missing.
 */
@ExtendWith(NoLeaks.class)
@Timeout(180)
class RingInteropTest {
    private static final Path INTEROP = Path.of("..", "interop").toAbsolutePath().normalize();
    private static final Path BIN = Path.of("target", "interop-bin").toAbsolutePath();
    private static final int COUNT = 20_000;
    private static boolean gcc;
    private static boolean python;

    @BeforeAll
    static void build() throws Exception {
        gcc = run(List.of("gcc", "--version")) == 0;
        python = run(List.of("python3", "--version")) == 0;
        if (gcc) {
            Files.createDirectories(BIN);
            for (String program : List.of("ring_producer", "ring_consumer")) {
                int rc = run(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-D_GNU_SOURCE", "-o",
                        BIN.resolve(program).toString(), INTEROP.resolve("c").resolve(program + ".c").toString()));
                assertThat(rc).as("gcc %s", program).isZero();
            }
        }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1; // not installed
        }
    }

    static int payloadLength(long seq) {
        return 8 + (int) ((seq * 7) % 300);
    }

    static void fill(MemorySegment s, long seq) {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, seq);
        for (int j = 8; j < s.byteSize(); j++) {
            s.set(ValueLayout.JAVA_BYTE, j, (byte) (seq + j));
        }
    }

    static void check(int typeId, MemorySegment s, long seq) {
        assertThat(typeId).isEqualTo((int) (seq % 1000));
        assertThat(s.byteSize()).isEqualTo(payloadLength(seq));
        assertThat(s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(seq);
        for (int j = 8; j < s.byteSize(); j++) {
            if (s.get(ValueLayout.JAVA_BYTE, j) != (byte) (seq + j)) {
                throw new AssertionError("payload byte " + j + " of record " + seq);
            }
        }
    }

    static MessageRing create(RingType type, String name) throws IOException {
        return type == RingType.SPSC ? SpscRing.create(name, 1 << 13) : MpscRing.create(name, 1 << 13);
    }

    static void produce(MessageRing ring, int count) throws Exception {
        try (RingProducer producer = ring.producer(WaitStrategy.blocking()); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(512);
            for (long seq = 0; seq < count; seq++) {
                MemorySegment p = buffer.asSlice(0, payloadLength(seq));
                fill(p, seq);
                assertThat(producer.offer((int) (seq % 1000), p, Duration.ofSeconds(60))).as("seq %d", seq).isTrue();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void aCProducerWritesRecordsAJavaConsumerReads(RingType type) throws Exception {
        assumeTrue(gcc, "gcc not installed");
        String name = TestNames.unique("c2java");
        try (MessageRing ring = create(type, name);
             RingConsumer consumer = ring.consumer(WaitStrategy.blocking(), Duration.ofSeconds(30))) {
            assertThat(readFromCProducer(consumer, name)).contains("SENT " + COUNT);
            RingStats stats = ring.stats();
            assertThat(stats.messagesWritten()).isEqualTo(COUNT);
            assertThat(stats.producers()).isEmpty();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void aJavaProducerWritesRecordsACConsumerReads(RingType type) throws Exception {
        assumeTrue(gcc, "gcc not installed");
        String name = TestNames.unique("java2c");
        try (MessageRing ring = create(type, name)) {
            consumeIn(List.of(BIN.resolve("ring_consumer").toString(), name, Integer.toString(COUNT)), ring, COUNT);
            assertThat(ring.stats().messagesRead()).isEqualTo(COUNT);
            assertThat(ring.stats().consumer()).isEmpty();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(SkippingConsumer.class)
    void theCAndPythonConsumersReadAJavaProducersCacheLineAlignedRecords(SkippingConsumer consumer)
            throws Exception {
        assumeTrue(consumer.available(), consumer + " not available");
        String name = TestNames.unique("aligned");
        try (MpscRing ring = MpscRing.create(name, 1 << 13, RingOption.alignRecordsToCacheLines())) {
            assertThat(consumeIn(consumer.command(name), ring, consumer.count()))
                    .contains("OK " + consumer.count() + " skipped=0");
            assertThat(ring.stats().messagesRead()).isEqualTo(consumer.count());
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void theCProducerTakesOverTheRoleOfAJavaProducerThatDied() throws Exception {
        assumeTrue(gcc, "gcc not installed");
        String name = TestNames.unique("cproducertakeover");
        try (MessageRing ring = create(RingType.SPSC, name);
             RingConsumer consumer = ring.consumer(WaitStrategy.blocking(), Duration.ofMillis(200))) {
            killAfter("CLAIMED", RingCrashTest.ClaimAndHang.class, name, "0");
            readFromCProducer(consumer, name);
            assertThat(consumer.skippedRecords()).isEqualTo(1); // the dead producer's claim
            assertThat(ring.stats().messagesWritten()).isEqualTo(COUNT);
            assertThat(ring.stats().producers()).isEmpty();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @ParameterizedTest
    @EnumSource(SkippingConsumer.class)
    void theCAndPythonConsumersTakeOverTheRoleOfAJavaConsumerThatDied(SkippingConsumer consumer) throws Exception {
        assumeTrue(consumer.available(), consumer + " not available");
        String name = TestNames.unique("consumertakeover");
        try (MessageRing ring = create(RingType.SPSC, name)) {
            killAfter("DONE", RingCrashTest.ConsumeAndHang.class, name, "0");
            assertThat(ring.stats().consumer()).hasValueSatisfying(p -> assertThat(p.alive()).isFalse());
            consumeIn(consumer.command(name), ring, consumer.count());
            assertThat(ring.stats().messagesRead()).isEqualTo(consumer.count());
            assertThat(ring.stats().consumer()).isEmpty();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void thePythonReaderRefusesAConsumerRoleALiveProcessHolds() throws Exception {
        assumeTrue(python, "python3 not installed");
        String name = TestNames.unique("pybusy");
        try (MessageRing ring = create(RingType.SPSC, name)) {
            ring.consumer(); // held by this live process until the ring closes
            List<String> command = SkippingConsumer.PYTHON.command(name);
            try (ChildJvm py = ChildJvm.startCommand(command, Map.of(), "python reader")) {
                assertThat(py.waitFor(Duration.ofSeconds(60))).isNotZero();
                assertThat(py.output()).contains("ring role is held by a live process",
                        "pid=" + ProcessHandle.current().pid());
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * Runs a consumer {@code command} (the C consumer or the Python reader) while this process
     * writes {@code count} test records into {@code ring}; it must read them all and print
     * {@code OK <count>}. Returns its output.
     */
    private static String consumeIn(List<String> command, MessageRing ring, int count) throws Exception {
        try (ChildJvm c = ChildJvm.startCommand(command, Map.of(), command.getFirst())) {
            c.awaitOutput("READY", Duration.ofSeconds(30));
            produce(ring, count);
            c.assertExitCode(0, Duration.ofSeconds(120));
            assertThat(c.output()).contains("OK " + count);
            return c.output();
        }
    }

    /** Runs the C producer for COUNT test records; {@code consumer} reads and checks them all. Returns its output. */
    private static String readFromCProducer(RingConsumer consumer, String name) throws Exception {
        try (ChildJvm c = ChildJvm.startCommand(List.of(BIN.resolve("ring_producer").toString(), name,
                Integer.toString(COUNT)), Map.of(), "ring_producer")) {
            long[] next = {0};
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (next[0] < COUNT && System.nanoTime() < deadline) {
                consumer.poll((t, p) -> check(t, p, next[0]++), 1000, Duration.ofSeconds(1));
            }
            assertThat(next[0]).as(c.output()).isEqualTo(COUNT);
            c.assertExitCode(0, Duration.ofSeconds(30));
            return c.output();
        }
    }

    /** Runs {@code main} in a child JVM until it prints {@code ready}, then kills it holding what it took. */
    private static void killAfter(String ready, Class<?> main, String... args) {
        try (ChildJvm dead = ChildJvm.start(main, args)) {
            dead.awaitOutput(ready, Duration.ofSeconds(60));
            dead.kill();
        }
    }

    /** The C consumer and the Python reader, each stepping over a head blocked for 200 ms. */
    enum SkippingConsumer {
        C, PYTHON;

        boolean available() {
            return this == C ? gcc : python;
        }

        /** Records to read: the Python reader is slower. */
        int count() {
            return this == C ? COUNT : 5_000;
        }

        List<String> command(String name) {
            return this == C
                    ? List.of(BIN.resolve("ring_consumer").toString(), name, Integer.toString(count()), "200")
                    : List.of("python3", INTEROP.resolve("python").resolve("shm4j_ring.py").toString(), "consume",
                            name, Integer.toString(count()), "200");
        }
    }

    @ParameterizedTest
    @EnumSource(value = RingType.class, names = {"SPSC", "MPSC"})
    void theCAndPythonConsumersStepOverAClaimWhoseProducerDiedAndCountIt(RingType type) throws Exception {
        for (SkippingConsumer consumer : SkippingConsumer.values()) {
            if (!consumer.available()) {
                continue;
            }
            String name = TestNames.unique("skipclaim");
            try (MessageRing ring = create(type, name)) {
                killAfter("CLAIMED", RingCrashTest.ClaimAndHang.class, name, "0");
                consumeSkipping(consumer, ring, name, RingLayout.recordLength(64));
            } finally {
                SharedMemory.remove(name);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SkippingConsumer.class)
    void theCAndPythonConsumersStepOverSpaceAnMpscProducerReservedAndDiedBeforeWriting(SkippingConsumer consumer)
            throws Exception {
        assumeTrue(consumer.available(), consumer + " not available");
        String name = TestNames.unique("skipgap");
        try (MessageRing ring = create(RingType.MPSC, name)) {
            try (ChildJvm dead = ChildJvm.start(RingCrashTest.ReserveAndDie.class, name)) {
                dead.awaitOutput("RESERVED", Duration.ofSeconds(60));
                dead.assertExitCode(0, Duration.ofSeconds(30));
            }
            consumeSkipping(consumer, ring, name, 128);
        } finally {
            SharedMemory.remove(name);
        }
    }

    /** Runs {@code consumer} over records written after one blocked head; it must skip exactly that. */
    private static void consumeSkipping(SkippingConsumer consumer, MessageRing ring, String name, long skippedBytes)
            throws Exception {
        int count = consumer.count();
        assertThat(consumeIn(consumer.command(name), ring, count)).contains("OK " + count + " skipped=1");
        RingStats stats = ring.stats();
        assertThat(stats.skippedRecords()).isEqualTo(1);
        assertThat(stats.skippedBytes()).isEqualTo(skippedBytes);
        assertThat(stats.messagesRead()).isEqualTo(count);
        assertThat(stats.lagBytes()).isZero();
    }

    @Test
    void aJavaProducerWritesRecordsThePythonReaderReadsAndItsStatsAgree() throws Exception {
        assumeTrue(python, "python3 not installed");
        String script = INTEROP.resolve("python").resolve("shm4j_ring.py").toString();
        String name = TestNames.unique("java2py");
        int count = 5_000;
        try (MessageRing ring = create(RingType.SPSC, name)) {
            consumeIn(List.of("python3", script, "consume", name, Integer.toString(count)), ring, count);
            try (ChildJvm stats = ChildJvm.startCommand(List.of("python3", script, "stats", name), Map.of(),
                    "python stats")) {
                stats.assertExitCode(0, Duration.ofSeconds(30));
                assertThat(stats.output()).contains("'type': 'SPSC'", "'messagesWritten': " + count,
                        "'messagesRead': " + count, "'lag': 0", "'consumer': None");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void theCHeaderAndThePythonReaderStateTheSameOffsetsAsTheJavaLayout() throws Exception {
        Map<String, Long> offsets = new java.util.TreeMap<>();
        for (var f : RingLayout.class.getDeclaredFields()) {
            if (f.getName().endsWith("_OFFSET") && f.getType() == long.class && !f.getName().equals("DATA_OFFSET")) {
                offsets.put(f.getName().substring(0, f.getName().length() - "_OFFSET".length()), f.getLong(null));
            }
        }
        String c = Files.readString(INTEROP.resolve("c").resolve("shm4j_ring.h"));
        Map<String, Long> cOffsets = new java.util.TreeMap<>();
        var m = java.util.regex.Pattern.compile("#define SHM4J_OFF_(\\w+) (0x[0-9A-Fa-f]+)").matcher(c);
        while (m.find()) {
            cOffsets.put(m.group(1), Long.decode(m.group(2)));
        }
        assertThat(cOffsets).isEqualTo(offsets);
        assertThat(c).contains("#define SHM4J_DATA_OFFSET 0x3000", "#define SHM4J_RING_MAGIC 0x474E4952344D4853ULL",
                "#define SHM4J_SLOT_COUNT 64", "#define SHM4J_SLOT_LENGTH 128", "#define SHM4J_COMMITTED 2ULL");
        // Python states its offsets as tuple assignments: OFF_A, OFF_B = 0x00, 0x08
        Map<String, Long> pyOffsets = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(INTEROP.resolve("python").resolve("shm4j_ring.py"))) {
            if (line.startsWith("OFF_") && line.contains(" = ")) {
                String[] names = line.split(" = ")[0].split(",\\s*");
                String[] values = line.split(" = ")[1].split(",\\s*");
                for (int i = 0; i < names.length; i++) {
                    if (names[i].startsWith("OFF_")) {
                        pyOffsets.put(names[i].substring(4), Long.decode(values[i].trim()));
                    }
                }
            }
        }
        assertThat(pyOffsets).hasSizeGreaterThan(20);
        pyOffsets.forEach((field, value) -> assertThat(value).as("python %s", field).isEqualTo(offsets.get(field)));
        assertThat(RingLayout.DATA_OFFSET).isEqualTo(0x3000);
    }
}
