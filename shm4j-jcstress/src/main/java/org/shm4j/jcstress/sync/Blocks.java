package org.shm4j.jcstress.sync;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Native memory for one jcstress state: a 64-byte block for the object and a line of data after it. */
final class Blocks {
    private Blocks() {}

    static MemorySegment allocate() {
        // Automatic arena: jcstress makes millions of states; the GC returns their memory.
        return Arena.ofAuto().allocate(256, 64);
    }

    static RuntimeException unchecked(Exception e) {
        return new IllegalStateException(e);
    }
}
