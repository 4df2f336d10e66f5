package org.shm4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shm4j.testkit.NoLeaks;
import org.shm4j.testkit.TestNames;

/** MapViewOfFileEx: a view at a chosen address, never clobbering an existing mapping. */
@ExtendWith(NoLeaks.class)
class FixedAddressViewTest {
    private static final long PAGE = OsProbe.PAGE;

    /**
     * An address where {@code length} bytes are free right now: map a probe there and unmap it.
     * Another thread of this JVM could take the range in between, so callers retry a few times.
     */
    private static long freeAddress(SharedMemory shm, long length) throws Exception {
        try (MappedView probe = shm.map(Access.READ_ONLY, 0, length)) {
            return probe.segment().address();
        }
    }

    @Test
    void aViewIsMappedExactlyAtAFreeAddress() throws Exception {
        String name = TestNames.unique("at");
        try (SharedMemory shm = SharedMemory.create(name, 4 * PAGE);
             MappedView writer = shm.map()) {
            writer.segment().set(JAVA_LONG, PAGE, 0xFEEDL);
            MappedView placed = null;
            long address = 0;
            for (int attempt = 0; attempt < 5 && placed == null; attempt++) {
                address = freeAddress(shm, 2 * PAGE);
                if (OsProbe.isMapped(address)) {
                    continue; // taken by another thread since the probe
                }
                try {
                    placed = shm.map(Access.READ_WRITE, PAGE, 2 * PAGE, MapOption.at(address));
                } catch (AddressInUseException raced) {
                    // Some other thread of the JVM mapped there first; probe again.
                }
            }
            assertThat(placed).as("no free address found in 5 attempts").isNotNull();
            try (MappedView view = placed) {
                assertThat(view.segment().address()).isEqualTo(address);
                assertThat(view.byteSize()).isEqualTo(2 * PAGE);
                assertThat(view.segment().get(JAVA_LONG, 0)).isEqualTo(0xFEEDL);
            }
            assertThat(OsProbe.isMapped(address)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }

    @Test
    void anAddressInUseFailsAndTheExistingMappingKeepsItsBytes() throws Exception {
        String existingName = TestNames.unique("at-existing");
        String otherName = TestNames.unique("at-other");
        try (SharedMemory existing = SharedMemory.create(existingName, 4 * PAGE);
             SharedMemory other = SharedMemory.create(otherName, 4 * PAGE);
             MappedView occupant = existing.map();
             MappedView otherView = other.map()) {
            occupant.segment().fill((byte) 0x3C);
            otherView.segment().fill((byte) 0x55);
            long address = occupant.segment().address();

            // Exactly on top, overlapping the end, and overlapping the start of the occupant.
            for (long start : new long[] {address, address + 3 * PAGE, address - PAGE}) {
                assertThatThrownBy(() -> other.map(Access.READ_WRITE, 0, 2 * PAGE, MapOption.at(start)))
                        .isInstanceOf(AddressInUseException.class)
                        .hasMessageContaining("0x" + Long.toHexString(start));
            }
            assertThat(occupant.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .containsOnly((byte) 0x3C);
            occupant.segment().set(JAVA_LONG, 0, 1L);
            assertThat(occupant.segment().get(JAVA_LONG, 0)).isEqualTo(1L);
            assertThat(OsProbe.permissions(address)).isEqualTo("rw-s");
            // The failed attempts took no reference: closing works as usual.
            try (MappedView again = other.map()) {
                assertThat(again.segment().get(JAVA_LONG, 0)).isEqualTo(0x5555555555555555L);
            }
        } finally {
            SharedMemory.remove(existingName);
            SharedMemory.remove(otherName);
        }
    }

    @Test
    void aFixedAddressNeedsPageAlignedAddressAndOffset() throws Exception {
        String name = TestNames.unique("at-align");
        try (SharedMemory shm = SharedMemory.create(name, 4 * PAGE)) {
            long address = freeAddress(shm, PAGE);
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 0, PAGE, MapOption.at(address + 8)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 8, PAGE, MapOption.at(address)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 0, PAGE, MapOption.at(0)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(OsProbe.isMapped(address)).isFalse();
        } finally {
            SharedMemory.remove(name);
        }
    }
}
