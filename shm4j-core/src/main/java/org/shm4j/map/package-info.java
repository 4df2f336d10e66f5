/**
 * A hash map in shared memory: {@link org.shm4j.map.SharedMap}, with byte-sequence keys and values,
 * many lock-free readers and many writers in many processes, crash-safe against writers killed at
 * any instruction, and a published layout that C ({@code interop/c/shm4j_map.h}) and Python
 * ({@code interop/python/shm4j_map.py}) read.
 *
 * {@snippet :
 * // process A
 * try (SharedMap map = SharedMap.openOrCreate("prices", MapSpec.of(10_000, 8, 64))) {
 *     map.strings().put("EURUSD", "1.0842");
 * }
 * // process B
 * try (SharedMap map = SharedMap.open("prices")) {
 *     String price = map.strings().get("EURUSD").orElseThrow();
 * }
 * }
 *
 * <h2>Structure</h2>
 * The map is cut into {@code stripes} independent parts. A key's 64-bit hash
 * ({@link org.shm4j.map.MapLayout#hash}, seeded by the header's {@code hashSeed}) chooses the stripe
 * (low bits of its upper half, the bucket's {@code tag}) and the home bucket within it (its lower
 * half). Each stripe owns a robust {@link org.shm4j.sync.SharedMutex}, a free-slot stack, an
 * open-addressing bucket array (linear probing within the stripe, a probe never longer than the
 * stripe's bucket count) and fixed-size slots (key and value up to the map's maxima). A stripe
 * holds {@code entriesPerStripe} entries and has one slot more, so a replacement can always be
 * written beside the value it replaces.
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li><b>The bucket is the truth.</b> Every write becomes visible through exactly one 8-byte
 *   release store of a bucket word: a new key (EMPTY or TOMBSTONE to {@code tag|slot}), a replaced
 *   value (old slot to new slot), a removal (to TOMBSTONE, or EMPTY when the next bucket is EMPTY,
 *   followed by the tombstones just before it becoming EMPTY, each store valid on its own). Keys
 *   never move between buckets, so a key present throughout a probe is found by it.</li>
 *   <li><b>Writers</b> lock the stripe, take a free slot, write it under its version (odd, data,
 *   even with release), publish the bucket, then put the old slot on the free stack and update
 *   the counters. A slot is written only while no bucket names it.</li>
 *   <li><b>Readers</b> take no lock: acquire-load the bucket, acquire-load the slot's version
 *   (odd: retry), read lengths, key and value, acquire fence, then read the bucket and the version
 *   again; a different bucket word or version means the slot was replaced or reused meanwhile (it
 *   may even hold another key now), and the read starts over from the home bucket. When both are
 *   unchanged, the bytes read were the slot's whole content while the bucket named it. Every
 *   length and slot number is checked against the header's maxima before use; a stable but
 *   invalid one is {@link org.shm4j.map.MapCorruptedException}. A slot that a bucket keeps naming
 *   while its version stays odd cannot be a write in progress (slots are written only while no
 *   bucket names them): after a bounded spin the reader takes the stripe's lock without waiting
 *   (repairing it first if its holder died), and if the slot is still named and odd, reports it
 *   ({@code MapCorruptedException} naming stripe, bucket, slot and version); while a live writer
 *   holds the stripe it keeps retrying, for at most one second.</li>
 *   <li><b>Crash</b>: a writer killed at any point leaves the buckets naming, for each key, its old
 *   slot or its new one. The next writer of the stripe gets {@code OWNER_DIED} from the mutex and
 *   rebuilds everything else from the buckets (free stack, size, tombstone count, a slot left
 *   odd), then calls {@code markConsistent()}. {@link org.shm4j.map.SharedMap#check()} verifies the
 *   whole structure.</li>
 *   <li><b>Creation</b>: the creator writes its identity (release), every header field and the
 *   body, then the magic with a release store; openers wait for the magic (at most the open
 *   timeout) and give up at once when the creator is dead.</li>
 * </ul>
 *
 * <h2>Layout (version 1)</h2>
 * Little-endian, naturally aligned, no ABI-dependent structs. Offsets in hex.
 * <pre>
 * map header (128 bytes)
 * 0x00 +----------------------------------+----------------------------------+
 *      | magic u64 "SHM4JMAP" (0x50414D4A344D4853, stored last, release)     |
 * 0x08 | version u32 = 1                  | flags u32 = 0                    |
 * 0x10 | creator identity u64 (pid &lt;&lt; 42 | start ticks &amp; (2^42-1))          |
 * 0x18 | stripes u32 (power of two)       | bucketsPerStripe u32 (power of 2)|
 * 0x20 | slotsPerStripe u32               | entriesPerStripe u32 (= slots-1) |
 * 0x28 | maxKeyBytes u32                  | maxValueBytes u32                |
 * 0x30 | slotBytes u32                    | reserved u32                     |
 * 0x38 | stripeBytes u64                                                     |
 * 0x40 | stripesOffset u64 = 0x80                                            |
 * 0x48 | totalBytes u64 = 0x80 + stripes * stripeBytes                       |
 * 0x50 | hashSeed u64                                                        |
 * 0x58 | requestedEntries u64                                                |
 * 0x60 | reserved, zero                                                      |
 * 0x80 +--- stripe 0, then stripe 1 ... (each stripeBytes long) -------------+
 *
 * stripe
 * +0x00 | mutex: 64 bytes, org.shm4j.sync layout (state u32 at +0x20, owner identity u64 at +0x28)
 * +0x40 | size u32                         | freeCount u32                    |
 * +0x48 | tombstones u32                   | reserved u32                     |
 * +0x50 | writes u64                                                          |
 * +0x80 | free-slot stack: slotsPerStripe x u32 (entries 0..freeCount-1), padded to 64
 * B     | buckets: bucketsPerStripe x u64     B = 0x80 + align64(4 * slotsPerStripe)
 * S     | slots: slotsPerStripe x slotBytes   S = B + align64(8 * bucketsPerStripe)
 *
 * bucket u64: 0 EMPTY | 0xFFFFFFFFFFFFFFFF TOMBSTONE | tag u32 (hash bits 32-63) &lt;&lt; 32 | slot + 1
 *
 * slot (slotBytes = 16 + align8(maxKeyBytes) + align8(maxValueBytes))
 * +0x00 | version u64 (even: stable, odd: being written)                      |
 * +0x08 | keyLength u32 (1..maxKeyBytes)   | valueLength u32 (0..maxValueBytes)|
 * +0x10 | key bytes, padded to 8                                              |
 * V     | value bytes                         V = 0x10 + align8(maxKeyBytes)
 *
 * stripe of a key = (hash &gt;&gt;&gt; 32) &amp; (stripes - 1); home bucket = hash &amp; (bucketsPerStripe - 1)
 * </pre>
 *
 * <h2>Threading</h2>
 * A {@link org.shm4j.map.SharedMap} handle is thread-safe. Writes wait for the stripe lock as
 * {@link org.shm4j.sync.SharedMutex#lock()} does (interruptible, through the one wait engine, in
 * which virtual threads park instead of pinning their carriers). The timed writes
 * ({@link org.shm4j.map.SharedMap#tryPut tryPut}, {@code tryPutIfAbsent}, {@code tryReplace},
 * {@code tryRemove}, {@code tryComputeIfPresent}) wait at most their {@code Duration} and return an
 * empty {@code Optional} on timeout, having written nothing: timing out is an outcome, as for
 * {@link org.shm4j.sync.SharedMutex#tryLock(java.time.Duration)}.
 *
 * <h2>Lifetime and the hot path</h2>
 * A named map's handle owns its mapping, and its reads (and writes) reach it by absolute address
 * through one constant global-scope segment ({@code org.shm4j.internal.block.Absolute}), so C2
 * folds the liveness and base checks the scoped segment would keep on every access. The library
 * takes over their job: every bucket index is masked, every slot number, length and counter read
 * from the map is checked before it becomes an address, and every call checks the handle's closed
 * flag. {@link org.shm4j.map.SharedMap#close()} never unmaps under a thread inside a call: once no
 * write is in flight, it replaces the shared memory at once by private anonymous pages over the
 * same addresses (the shared object is no longer mapped); a reader still inside a call reads
 * zeros, which never pass its checks, and reports {@link IllegalStateException}; the object (its
 * descriptor, a reference-counted name) is let go at the same moment. Only the address range waits:
 * it is unmapped when the closed handle becomes unreachable (a cleaner; a handle never closed is
 * never unmapped by it). A map placed in a caller's segment keeps the scoped segment: its arena is the
 * caller's. A {@link org.shm4j.map.ValueReader} may run more than once per call; a
 * {@link org.shm4j.map.ValueUpdater} runs with the stripe locked and must not write the same
 * stripe (the mutex is not reentrant).
 */
package org.shm4j.map;
