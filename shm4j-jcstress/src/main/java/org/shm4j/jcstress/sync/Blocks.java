package org.shm4j.jcstress.sync;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.shm4j.sync.SharedMutex;

/** Native memory for one jcstress state: a 64-byte block for the object and a line of data after it. */
final class Blocks {
    private Blocks() {}

    static MemorySegment allocate() {
        // Automatic arena: jcstress makes millions of states; the GC returns their memory.
        return Arena.ofAuto().allocate(256, 64);
    }

    /** A new mutex at the start of {@code mem}. */
    static SharedMutex mutex(MemorySegment mem) {
        try {
            return SharedMutex.create(mem);
        } catch (Exception e) {
            throw unchecked(e);
        }
    }

    /** Locks {@code mutex}; the checked exceptions of a wait cannot happen in these tests. */
    static void lock(SharedMutex mutex) {
        try {
            mutex.lock();
        } catch (Exception e) {
            throw unchecked(e);
        }
    }

    static RuntimeException unchecked(Exception e) {
        return new IllegalStateException(e);
    }
}
