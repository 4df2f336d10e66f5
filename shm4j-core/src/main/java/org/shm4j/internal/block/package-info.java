/**
 * The engine under every block of shared state: rings ({@code org.shm4j.ring}) and
 * synchronization primitives ({@code org.shm4j.sync}) are its two clients, and a third (a shared
 * map, a bridge) plugs in here instead of copying it.
 *
 * <ul>
 * <li>{@link org.shm4j.internal.block.Blocks}: placing a block in a segment (native, writable,
 * large enough, aligned), waiting for a header its creator is still writing (the creator's
 * liveness checked, from the header or the name's creator mark), creating and opening blocks by
 * name.</li>
 * <li>{@link org.shm4j.internal.block.FutexWait}: the one futex wait engine, with the timeout rule,
 * interruption, the spin phase, and parking instead of {@code futex} on virtual threads, so no
 * blocking call of the library pins a carrier.</li>
 * <li>{@link org.shm4j.internal.block.Kinds}: the namespace's table of magics and the registry of
 * recognisers that decide what a name holds ({@link org.shm4j.ObjectKind}).</li>
 * </ul>
 *
 * <p>Threading: everything here is stateless or thread-safe; the recogniser registry is a
 * copy-on-write list.
 */
package org.shm4j.internal.block;
