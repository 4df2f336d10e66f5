/**
 * Synchronization between processes in shared memory: {@link org.shm4j.sync.SharedMutex},
 * {@link org.shm4j.sync.SharedReadWriteLock}, {@link org.shm4j.sync.SharedEvent} (manual- and
 * auto-reset) and {@link org.shm4j.sync.SharedSemaphore}, plus
 * {@link org.shm4j.sync.SyncWait#awaitAny} to wait for the first of several events and semaphores.
 *
 * <h2>Placement</h2>
 * Each object is a small block (the bytes are under "Layout" below). It lives
 * either inside any segment the caller maps, at an 8-byte-aligned offset
 * ({@code create / open / openOrCreate(MemorySegment)}), or alone in a small named object, like a
 * Windows named mutex or event ({@code create / open / openOrCreate(String name)}, with the same
 * create / open / open-or-create semantics as {@link org.shm4j.SharedMemory}).
 *
 * <h2>Owners</h2>
 * A lock's owner is a Java thread (platform or virtual) of a process. The process is the PID
 * together with its start time (field 22 of {@code /proc/<pid>/stat}), so a recycled PID is never
 * taken for the holder; the thread is its {@link java.lang.Thread#threadId()}, which a virtual
 * thread keeps when it moves between carriers. Locks are not reentrant.
 *
 * <h2>Threading</h2>
 * All objects are thread-safe. Waits spin for 5 us (measured with {@code System.nanoTime()}; the
 * CPU is yielded once, 1 us in, so a peer just woken on our CPU can answer), then sleep in
 * {@code futex} in slices of
 * 1 to 20 ms (platform threads) or park for 50 us to 1 ms (virtual threads, which never sleep in a
 * native call, so a waiting virtual thread does not pin its carrier). Every wait has a timeout
 * variant, every wait is interruptible (noticed within one slice), and none spins forever on a
 * value it does not understand: a corrupt word is a {@link org.shm4j.sync.CorruptStateException}.
 *
 * <h2>Memory access and close</h2>
 * A named {@link org.shm4j.sync.SharedMutex} locks and unlocks by absolute address, through the
 * constant global segment of {@code org.shm4j.internal.block.Absolute} (the technique and its rules
 * are in the {@code org.shm4j.ring} package documentation): C2 then drops the liveness and bounds
 * checks a segment in a field keeps on every access, which were a third of an uncontended lock +
 * unlock. The handle owns its mapping and never unmaps it under another of its threads: its
 * {@code close()} sets a volatile closed flag and then replaces the shared memory by private pages
 * over the same addresses; every call checks the flag first, and every winning CAS checks it again,
 * so a thread that raced with close gets an {@link java.lang.IllegalStateException}, never a crash.
 * The address range is unmapped once the handle is unreachable. Objects in a caller's segment, and
 * the other types, use the scoped segment, whose arena the JDK keeps alive while it is accessed.
 *
 * <h2>Vocabulary</h2>
 * The same words as every shm4j family (the table is {@code docs/vocabulary.md}):
 * {@code create} / {@code open} / {@code openOrCreate}, by name or in memory the caller owns;
 * the bare verb ({@code lock()}, {@code await()}, {@code acquire()}) waits as long as it takes;
 * {@code try}-verb without arguments does not wait; {@code try}-verb with a {@code Duration}
 * waits at most that long and returns empty or false when it runs out: a timeout is an outcome,
 * never an exception. {@code holderPid()} names a lock's holder; {@code withLock} runs an action
 * under a lock with the dead-owner repair. Opening a name that holds another kind of object fails
 * at once with {@link org.shm4j.WrongObjectKindException}.
 *
 * <h2>Layout (version 2)</h2>
 * Little-endian, fixed-width, naturally aligned, no ABI-dependent structs; a block starts at a
 * multiple of 8 (64 is better: it then owns its cache line). {@code interop/c/shm4j_mutex.h}
 * states the same numbers for the mutex. Every block starts with the same 32-byte header; the
 * magic ({@code "SYNC"}, {@code 0x434E5953}) is stored last with release, and holds
 * {@code BUILDING} ({@code "BILD"}, {@code 0x444C4942}) while a creator builds the block in place:
 * <pre>
 *  0               4       6       8                               16
 *  +---------------+-------+-------+-------------------------------+
 *  | magic u32     | ver   | type  | creatorPid u64                |
 *  | "SYNC"        | u16=2 | u16   |                               |
 *  +---------------+-------+-------+-------------------------------+
 * 16                                                               32
 *  +-------------------------------+-------------------------------+
 *  | creatorStartTicks u64         | pidNamespace u64              |
 *  +-------------------------------+-------------------------------+
 * type: 1 mutex, 2 read-write lock, 3 event, 4 semaphore
 *
 * mutex and read-write lock, 64 bytes:
 * 32               36              40                              48
 *  +---------------+---------------+-------------------------------+
 *  | state u32     | reserved u32  | ownerIdentity u64             |
 *  | (futex word)  | (zero)        |                               |
 *  +---------------+---------------+-------------------------------+
 * 48                               56                              64
 *  +-------------------------------+-------------------------------+
 *  | ownerToken u64                | reserved2 u64 (zero)          |
 *  +-------------------------------+-------------------------------+
 *
 * event and semaphore, 40 bytes:
 * 32               36              40
 *  +---------------+---------------+
 *  | state u32     | param u32     |
 *  +---------------+---------------+
 * </pre>
 * {@code creatorStartTicks} is field 22 of {@code /proc/<pid>/stat}; {@code pidNamespace} is the
 * inode of {@code /proc/<pid>/ns/pid} (locks refuse a block made in another PID namespace).
 * {@code ownerIdentity} is the holder's PID in bits 42-63 and the low 42 bits of its start ticks
 * below; {@code ownerToken} is nonzero exactly while a holder that wrote the record holds the lock
 * (bits 0-62 name the thread, bit 62 always set; bit 63 {@code TOKEN_OWNER_DIED} mirrors
 * {@code OWNER_DIED} until {@code markConsistent()}).
 * <ul>
 * <li>Mutex state: bits 0-21 the holder's PID (0: free), bit 29 {@code OWNER_DIED}
 *     ({@code 0x20000000}), bit 30 {@code WAITERS} ({@code 0x40000000}); {@code 0x10000000}
 *     alone is {@code NOT_RECOVERABLE}. Any other pattern is corrupt.</li>
 * <li>Read-write lock state: bit 31 {@code WRITE_LOCKED}; bits 0-21 the writer's PID when it is
 *     set, else the number of read holds; bit 27 {@code WRITER_WAITING} (new readers stand back),
 *     bits 29, 30 and {@code NOT_RECOVERABLE} as for the mutex.</li>
 * <li>Event: state bit 0 {@code SIGNALED}, bit 1 waiters; param 0 manual-reset, 1 auto-reset.</li>
 * <li>Semaphore: state bits 0-30 the count, bit 31 waiters; param the maximum count (1 to
 *     2^31-1).</li>
 * </ul>
 *
 * <h2>Memory-ordering protocol</h2>
 * All shared words are accessed through {@code VarHandle}s on the mapped segment; on x86-64 and
 * AArch64 these are the same instructions C's {@code __atomic} builtins use, so the protocol holds
 * between processes and languages (see {@code interop/c/shm4j_mutex.h}).
 * <ol>
 * <li><b>Publication of a block.</b> The creator claims the magic word with a CAS from 0 to
 *     {@code BUILDING}, writes header and body with plain stores, then stores {@code MAGIC} with
 *     <em>release</em>. Openers load the magic with <em>acquire</em>; if they see {@code MAGIC}
 *     they see the whole block. Zero or {@code BUILDING} for longer than 2 s means the creator
 *     died half-way: {@link org.shm4j.sync.SyncFormatException}.</li>
 * <li><b>Lock acquire / release.</b> Every acquisition of a mutex, write lock, read hold or permit
 *     is a successful CAS on the 32-bit state word (volatile, so at least <em>acquire</em>); every
 *     release is an atomic exchange or CAS on it (volatile, so at least <em>release</em>). Data
 *     written under a lock is therefore visible to the next holder; data written before
 *     {@code set()} / {@code release()} is visible to the waiter that consumes it. Releases are
 *     atomic read-modify-writes, never plain stores, so a {@code WAITERS} bit set concurrently is
 *     always seen and its sleeper woken.</li>
 * <li><b>Sleeping.</b> A waiter sets the {@code WAITERS} bit with a CAS, then calls
 *     {@code futex_wait(word, valueWithWaiters)}; the kernel sleeps only if the word still holds
 *     that value, so a release that changed the word in between is never missed. A releaser wakes
 *     when the value it replaced had {@code WAITERS}. A waiter that has slept takes the lock with
 *     {@code WAITERS} set, since others may still sleep (Drepper's "mutex 3"). Semaphores and
 *     auto-reset events clear the bit again when {@code futex_wake} found nobody: a waiter about
 *     to sleep then sees the word change and retries.</li>
 * <li><b>Owner record.</b> After its CAS the holder writes {@code ownerIdentity} (plain), then
 *     {@code ownerToken} with <em>release</em>; before releasing the word it clears
 *     {@code ownerToken} (a plain store, ordered before the releasing exchange, which is a full
 *     fence). The identity is never cleared. A waiter loads {@code ownerToken} with
 *     <em>acquire</em>, then the identity, and trusts the identity's start time only when the token
 *     is set and the identity's PID equals the PID in the state word; otherwise the holder is
 *     between its CAS and its record, and only the PID is checked. A token is unique to one thread
 *     of one process, so the holder's unlock reads the token alone: equal to its own, it holds the
 *     lock; equal to its own with {@code TOKEN_OWNER_DIED} (bit 63), it took over
 *     from a dead holder and never repaired; anything else, it does not hold the lock. Checked by
 *     jcstress {@code OwnerRecordPublicationTest} and {@code OwnerTokenClearedTest}.</li>
 * <li><b>Death.</b> A waiter whose sleep slice ran out checks the holder in {@code /proc} (no
 *     signal is ever sent to a PID read from memory; a zombie counts as dead). If it is dead, the
 *     waiter CASes the exact word it judged to {@code myPid | OWNER_DIED | WAITERS}; one waiter
 *     wins, the others see the new word. The winner gets {@link org.shm4j.sync.LockResult#OWNER_DIED};
 *     unlocking without {@code markConsistent()} stores {@code NOT_RECOVERABLE} and wakes all.</li>
 * <li><b>Crashes mid-operation.</b> Every state change is one atomic instruction, so a process
 *     killed at any point leaves a state some live process can continue from: a killed waiter
 *     at most leaves a stale {@code WAITERS} bit (costing one spurious wake); a killed releaser
 *     between its update and its wake delays sleepers by at most one 20 ms slice.</li>
 * </ol>
 * These claims are checked in-process by the jcstress tests of module {@code shm4j-jcstress}
 * and across processes by the kill tests of this package.
 *
 * <h2>Limits</h2>
 * <ul>
 * <li>All processes using a lock must share one PID namespace; a lock made in another is refused.</li>
 * <li>A read hold is counted, not owned: a reader killed while holding one leaks it.</li>
 * <li>A process killed between a successful lock CAS and writing its owner record, whose PID is
 *     then reused by a live process before anyone checks, is taken for alive: waiters time out
 *     naming that PID rather than steal (the safe direction).</li>
 * <li>The unsafe direction has one window too: a holder died holding the lock, a new process got
 *     its PID and took the lock over, and a third process checks between that CAS and the new
 *     holder's record. The dead holder's record still has the token set and the same PID, so the
 *     new holder is taken for dead. This needs PID reuse and a check inside a window of a few
 *     instructions; version 1's record had the same window.</li>
 * </ul>
 */
package org.shm4j.sync;
