package org.shm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.ChildJvm;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** The small things a porter from Windows trips over first. */
@ExtendWith(NoLeaks.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try")
class PortingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aDevShmPathGivenAsANameSaysToDropThePrefix() {
        assertThatThrownBy(() -> SharedMemory.open("/dev/shm/orders", Access.READ_ONLY))
                .isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("drop the /dev/shm/ prefix").hasMessageContaining("use=\"orders\"");
        assertThatThrownBy(() -> SegmentName.of("/dev/shm/a/b")).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("drop the /dev/shm/ prefix");
    }

    @Test
    void thePageSizeAndTheMappingGranularityArePublic() throws Exception {
        Process getconf = new ProcessBuilder("getconf", "PAGESIZE").start();
        long expected = Long.parseLong(new String(getconf.getInputStream().readAllBytes()).trim());
        assertThat(getconf.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(SharedMemory.pageSize()).isEqualTo(expected);
        assertThat(SharedMemory.allocationGranularity()).isEqualTo(expected);
        // What MapOption.at needs: a page-aligned offset of pageSize() works.
        String name = TestNames.unique("granularity");
        long page = SharedMemory.pageSize();
        try (SharedMemory shm = SharedMemory.create(name, 4 * page);
             MappedView probe = shm.map(Access.READ_WRITE, 0, 4 * page)) {
            long address = probe.segment().address() + 2 * page;
            probe.close();
            try (MappedView at = shm.map(Access.READ_WRITE, SharedMemory.allocationGranularity(), page,
                    MapOption.at(address))) {
                assertThat(at.segment().address()).isEqualTo(address);
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void openOrCreateTakesAnAccess() throws Exception {
        String name = TestNames.unique("ooc-access");
        try (SharedMemory created = SharedMemory.openOrCreate(name, 4096, Access.READ_ONLY)) {
            assertThat(created.created()).isTrue();
            assertThat(created.access()).isEqualTo(Access.READ_ONLY);
            assertThatThrownBy(() -> created.map(Access.READ_WRITE, 0, 0)).isInstanceOf(IllegalArgumentException.class);
            try (SharedMemory opened = SharedMemory.openOrCreate(name, 4096, Access.COPY_ON_WRITE);
                 MappedView cow = opened.map(Access.COPY_ON_WRITE, 0, 0);
                 MappedView ro = created.map()) {
                assertThat(opened.created()).isFalse();
                assertThat(opened.access()).isEqualTo(Access.COPY_ON_WRITE);
                cow.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 5);
                assertThat(ro.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isZero();
                assertThat(OsProbe.permissions(ro.segment().address())).isEqualTo("r--s");
            }
        } finally {
            SharedMemory.remove(name);
        }
    }

    /**
     * A JVM that denies native access (--illegal-native-access=deny, no --enable-native-access)
     * gets, at its first shm4j call and at every later one, one error that names the flag to add,
     * never ExceptionInInitializerError and then NoClassDefFoundError.
     */
    @Test
    void withoutNativeAccessEveryCallSaysWhichFlagToAdd() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--illegal-native-access=deny");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(NoNativeAccess.class.getName());
        command.add(TestNames.unique("no-native"));
        try (ChildJvm child = ChildJvm.startCommand(command, Map.of(), "no-native-access")) {
            child.assertExitCode(0, WAIT);
            assertThat(child.output())
                    .contains("FIRST java.lang.IllegalCallerException: native access is not enabled for shm4j; "
                            + "add --enable-native-access=ALL-UNNAMED to the java command line")
                    .contains("SECOND java.lang.IllegalCallerException: native access is not enabled")
                    .contains("PAGE java.lang.IllegalCallerException: native access is not enabled")
                    .doesNotContain("ExceptionInInitializerError").doesNotContain("NoClassDefFoundError");
        }
    }

    /** The JDK's default (warn) still runs shm4j, with the JDK's own warning naming the flag. */
    @Test
    void withTheDefaultWarningModeShm4jRunsAndTheJdkWarns() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                WarnedButWorking.class.getName(), TestNames.unique("warn-native"));
        try (ChildJvm child = ChildJvm.startCommand(command, Map.of(), "warn-native-access")) {
            child.assertExitCode(0, WAIT);
            assertThat(child.output()).contains("CREATED 4096").contains("--enable-native-access");
        }
    }

    /** Args: a name. Creates and removes it. */
    public static final class WarnedButWorking {
        public static void main(String[] args) throws Exception {
            try (SharedMemory shm = SharedMemory.create(args[0], 4096)) {
                System.out.println("CREATED " + shm.byteSize());
            } finally {
                SharedMemory.remove(args[0]);
            }
        }
    }

    /** Args: a name. Tries shm4j calls in a JVM without native access and prints what each threw. */
    public static final class NoNativeAccess {
        public static void main(String[] args) {
            System.out.println("FIRST " + failure(() -> SharedMemory.create(args[0], 4096)));
            System.out.println("SECOND " + failure(() -> SharedMemory.open(args[0], Access.READ_ONLY)));
            System.out.println("PAGE " + failure(SharedMemory::pageSize));
        }

        private static String failure(java.util.concurrent.Callable<?> call) {
            try {
                call.call();
                return "no exception";
            } catch (Throwable t) {
                return t.toString();
            }
        }
    }
}
