/**
 * Message rings between processes, in shared memory: {@link org.shm4j.ring.SpscRing} (one
 * producer, one consumer), {@link org.shm4j.ring.MpscRing} (many producers, one consumer) and
 * {@link org.shm4j.ring.BroadcastRing} (one transmitter, any number of receivers that may be
 * lapped). Records are variable-length, carry a type id, and are written zero-copy
 * ({@link org.shm4j.ring.RingProducer#tryClaim claim}, fill, {@link org.shm4j.ring.RingClaim#commit
 * commit}) or copied ({@link org.shm4j.ring.RingProducer#offer offer}); consumers read batches
 * through a {@link org.shm4j.ring.RecordHandler} that sees each payload as a
 * {@link java.lang.foreign.MemorySegment} slice.
 *
 * {@snippet :
 * // producer process
 * try (SpscRing ring = SpscRing.create("orders", 1 << 20);
 *      RingProducer producer = ring.producer()) {
 *     RingClaim claim = producer.tryClaim(1, 16);       // null when full
 *     claim.segment().set(ValueLayout.JAVA_LONG, 0, 42L);
 *     claim.commit();
 * }
 * // consumer process
 * try (SpscRing ring = SpscRing.open("orders");
 *      RingConsumer consumer = ring.consumer(WaitStrategy.blocking(), Duration.ofSeconds(5))) {
 *     consumer.poll((type, payload) -> handle(payload), 100, Duration.ofSeconds(1));
 * }
 * }
 *
 * <h2>Threading</h2>
 * Ring handles are thread-safe. A producer, consumer, transmitter or receiver is used by one
 * thread at a time; an MPSC ring takes one producer per producing thread (up to 64 at a time,
 * in any processes). Roles live in the ring header: a role whose holder died is taken over by the
 * next process that asks (liveness comes from {@code /proc}, PID plus start time; no PID read from
 * a ring is ever signalled).
 *
 * <h2>Closing, and how the hot paths reach shared memory</h2>
 * A producer, consumer, transmitter or receiver of a ring this process mapped by name reaches the ring by absolute
 * address, {@code base + offset}, through one {@code static final} segment of the global scope that
 * covers the address space ({@code org.shm4j.internal.block.Absolute}). C2 folds that segment as a
 * constant, so the JDK's per-access liveness and bounds checks drop out; through a segment held in a
 * field they stay on every access (measured: docs/ring.md). Rings in a caller's segment
 * ({@code create(segment)}, {@code open(segment)}) keep the scoped, checked segment, because the
 * caller may close its arena at any time. The rules every such hot path follows (later ones too):
 * <ol>
 * <li><b>The peer holds the mapping.</b> A producer, consumer, transmitter or receiver holds its ring's mapping from
 * creation to its own {@code close()}; the mapping is unmapped by the last of the ring handle and
 * its peers to close. Closing the ring handle revokes its peers (every later call throws
 * {@link java.lang.IllegalStateException}, roles are given back) and, if a peer is still open, detaches the
 * shared memory at once by mapping private anonymous pages over the same addresses
 * ({@code mmap(MAP_FIXED)}): a thread still inside a call then reads zeros and writes private
 * memory, never an unmapped page and never the ring; the address range goes when the peer is
 * closed. A record being delivered at that moment may read as zeros; its header never does (the
 * consumer re-checks word0 after reading word1, and a changed header becomes the
 * {@code IllegalStateException}). A broadcast receiver, which copies before it delivers, reads the
 * ring's closed flag after the copy (behind the fence that orders the copy before its tailIntent
 * check) and delivers nothing from a copy that may hold detached zeros. Close peers: one left open keeps an address range (no shared
 * memory) until it is closed.</li>
 * <li><b>The ring validates every value read from shared memory</b> before it becomes an address:
 * offsets are positions masked into the data region, record lengths are checked against the
 * largest payload and the region's end, head and tail against each other and the capacity. These
 * checks stand in for the JDK's bounds checks; hostile memory is a
 * {@link org.shm4j.ring.RingCorruptedException}, never an access outside the mapping.</li>
 * <li><b>A closed flag is checked on each call</b> (a plain field read): use after
 * {@code close()} is an {@code IllegalStateException}.</li>
 * <li><b>What user code touches stays checked:</b> the handler's record slice and the claim's
 * segment are scoped slices of the ring's mapping, with the JDK's checks; escape analysis removes
 * the slice objects when the calls inline.</li>
 * </ol>
 *
 * <h2>Layout (version 1)</h2>
 * Little-endian, naturally aligned, no ABI-dependent structs. {@code interop/c/shm4j_ring.h} and
 * {@code interop/python/shm4j_ring.py} state the same numbers.
 * <pre>
 * 0x0000 magic u64 "SHM4RING" (stored last)   0x0008 layoutVersion u32 = 1   0x000C ringType u32 (1 SPSC, 2 MPSC, 3 BROADCAST)
 * 0x0010 capacity u64 (power of two)           0x0018 dataOffset u64 = 0x3000
 * 0x0020 maxPayload u32                        0x0024 recordHeaderLength u32 (16; 24 for BROADCAST)
 * 0x0028 creator identity u64                  0x0030 startPosition u64      0x0038 producerSlots u32 = 64
 * --- producer line ---
 * 0x0080 tail u64          0x0088 producer identity u64     0x0090 messagesWritten u64   0x0098 payloadBytesWritten u64
 * 0x00A0 tailIntent u64 (BROADCAST)                        0x00A8 latestPosition u64 (BROADCAST)
 * --- consumer line ---
 * 0x0100 head u64          0x0108 consumer identity u64     0x0110 messagesRead u64      0x0118 payloadBytesRead u64
 * 0x0120 skippedRecords u64                                0x0128 skippedBytes u64
 * --- wait lines ---
 * 0x0180 dataSignal u32 (futex)   0x0184 dataWaiters u32   0x0200 spaceSignal u32 (futex)   0x0204 spaceWaiters u32
 * --- 0x1000: 64 MPSC producer slots of 128 bytes: identity u64, messagesWritten u64, payloadBytesWritten u64
 * --- 0x3000: data region, capacity bytes
 *
 * record, 8-byte aligned, never split by the end of the data region:
 *   +0  word0 u64 = position | state      state 1 CLAIMED, 2 COMMITTED, 3 PADDING, 4 ABORTED
 *   +8  length u32 (payload bytes)        +12 typeId u32 (0 .. 2^31-1)
 *   +16 payload (BROADCAST: +16 sequence u64, payload at +24), then padding to 8 bytes
 *   A PADDING record is word0 alone; it runs to the end of the data region.
 *
 * identity u64 = pid &lt;&lt; 42 | (process start time in clock ticks &amp; (2^42 - 1)); 0 = nobody
 * </pre>
 * Positions are 64-bit byte counters that start at {@code startPosition} and wrap modulo 2^64;
 * the offset of position {@code p} is {@code p & (capacity - 1)}. They are only ever compared by
 * equality or by their difference, so they cross 2^31, 2^63 and 2^64 without special cases. A
 * record's word0 carries its own position: bytes left from an earlier lap never match the position
 * a reader expects, so nobody zeroes consumed space.
 *
 * <h2>Memory-ordering protocol</h2>
 * Each release store below pairs with the acquire load named with it; VarHandles on the mapped
 * segment ({@code setRelease}/{@code getAcquire}/{@code compareAndSet}) implement them, and the C
 * header uses the same orders with {@code __atomic} builtins.
 * <ol>
 * <li><b>Header publication.</b> The creator writes the creator identity, then every field, then
 * {@code magic} with a release store; openers load {@code magic} with acquire and read the other
 * fields only after seeing it. A zero magic is a half-built ring: openers wait at most the open
 * timeout and fail at once if the creator identity names a dead process
 * ({@link org.shm4j.ring.RingNotInitializedException}).</li>
 * <li><b>Reservation.</b> MPSC producers take {@code [tail, tail + n)} with a CAS on {@code tail};
 * an SPSC producer, the only writer of {@code tail}, stores it with release. Either way the
 * reservation is in {@code tail} before any byte of the record is written, so a consumer that sees
 * a header-less position below {@code tail} knows a producer reserved it.</li>
 * <li><b>Back-pressure.</b> A producer may write {@code [tail, tail + n)} only if
 * {@code tail + n - head <= capacity}. It loads {@code head} with acquire (it caches it and reloads
 * only when the cached value says the ring is full); this pairs with the consumer's release store of
 * {@code head}, which orders the consumer's reads of the freed records before the store, so a
 * producer never overwrites bytes the consumer is still reading.</li>
 * <li><b>Record publication.</b> The producer writes word1 and the payload with plain stores, then
 * word0 = {@code position | COMMITTED} with a release store. The consumer loads word0 with acquire;
 * only if it equals {@code head | COMMITTED} does it read word1 and the payload, which the release
 * made visible. A zero-copy claim first stores {@code position | CLAIMED} with release, after
 * writing word1, so the length of a claim is known even if its producer dies. PADDING and ABORTED
 * are published the same way. A producer that aligns records to cache lines writes the filler
 * after a record (an ABORTED record up to the next 64-byte line) with plain stores before the
 * record's own release store, which publishes both: a consumer reaches the filler only through
 * that record.</li>
 * <li><b>Consumption.</b> The consumer delivers a batch, then stores {@code head} with release
 * (pairs with 3) and the read counters with opaque stores.</li>
 * <li><b>Dead producers.</b> If the record at {@code head} stays CLAIMED, or {@code tail} is ahead
 * of {@code head} and word0 at {@code head} is not this lap's, for the consumer's skip timeout, the
 * consumer steps over it: by the CLAIMED record's length, or to the next position below
 * {@code tail} whose word0 carries its own position (or to {@code tail} once it has stopped
 * moving). The consumer never writes the data region; a stalled (not dead) producer that commits
 * after being skipped loses that record.</li>
 * <li><b>Broadcast.</b> The transmitter stores {@code tailIntent} (opaque) and then issues a
 * store-store fence before writing any byte of the next record; it writes the record with plain
 * stores, then {@code latestPosition} with release, then {@code tail} with release. A receiver
 * loads {@code tail} with acquire (pairs with the tail store: records below it are whole), copies
 * the record, issues a load-load fence, and loads {@code tailIntent}: if
 * {@code tailIntent - position > capacity} the transmitter may have overwritten the record during
 * the copy, so the copy is discarded and the receiver, lapped, moves to {@code latestPosition}
 * (acquire, pairs with its release store). Per-record sequence numbers tell it how many records it
 * lost.</li>
 * <li><b>Blocking waits.</b> A waiter loads the signal word (acquire), increments its waiters
 * count (a full fence), re-checks its condition and sleeps with {@code FUTEX_WAIT} on the signal
 * word if it still does not hold. After publishing, the other side loads the waiters count (opaque)
 * and, if it is non-zero, increments the signal word (atomic) and {@code FUTEX_WAKE}s. Because the
 * publisher does not fence between its publishing store and that load, a waiter can miss a
 * publication still in the publisher's store buffer; every sleep therefore re-checks once more
 * after 1 ms, still registered, when the publication is visible to the re-check and the
 * registration to every later publisher. The rest of a sleep lasts up to a second (so interrupts
 * are seen) or the caller's timeout.</li>
 * <li><b>Counters and roles.</b> Counters are single-writer and stored opaque (MPSC producers
 * each in their own slot); readers such as {@link org.shm4j.ring.RingStats} load them opaque and
 * may see them from slightly different instants. Role words (producer, consumer, slots) change only
 * by CAS.</li>
 * </ol>
 * Each claim above has jcstress tests in {@code shm4j-jcstress} (package
 * {@code org.shm4j.jcstress.ring}; {@code docs/ring.md} lists which test checks which claim).
 *
 * <h2>Untrusted memory</h2>
 * Every value read from the ring (positions, lengths, type ids, states, header fields) is read once
 * into a local, validated, and only then used; offsets are always masked into the data region.
 * Invalid values raise {@link org.shm4j.ring.RingFormatException} when opening and
 * {@link org.shm4j.ring.RingCorruptedException} on the hot paths, never an out-of-bounds access.
 */
package org.shm4j.ring;
