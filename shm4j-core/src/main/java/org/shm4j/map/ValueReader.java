package org.shm4j.map;

import java.lang.foreign.MemorySegment;

/**
 * Reads a value in place, without copying it out of shared memory
 * ({@link SharedMap#read(MemorySegment, ValueReader)}).
 *
 * <p>The reader may run more than once for one call: if a writer replaced the slot while it ran,
 * its result is discarded and it runs again on the new value. So it must not have side effects
 * beyond its result, must not keep the segment (it is only valid during the call) and must cope
 * with bytes that make no sense (a run that saw them is one that will be discarded); only the
 * result of a run that saw one whole, unchanged value is returned.
 *
 * @param <R> the result
 */
@FunctionalInterface
public interface ValueReader<R> {
    /** Computes a result from {@code value}, a read-only slice of the map's memory. */
    R read(MemorySegment value);
}
