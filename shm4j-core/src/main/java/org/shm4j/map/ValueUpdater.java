package org.shm4j.map;

import java.lang.foreign.MemorySegment;

/**
 * Updates a value of fixed size ({@link SharedMap#computeIfPresent}): it receives a writable
 * segment holding the current value and changes it in place. The change is written beside the
 * old value and published in one atomic step when the updater returns, so readers and a crash
 * see the old value or the new one, never a mix. If the updater throws, nothing changes.
 */
@FunctionalInterface
public interface ValueUpdater {
    /** Changes {@code value} (the current bytes, same length as stored) in place. */
    void update(MemorySegment value);
}
