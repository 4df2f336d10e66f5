#!/usr/bin/env python3
"""Read a shm4j shared map (org.shm4j.map, layout version 1) from Python.

The layout and protocol are documented in org.shm4j.map's package documentation and docs/map.md;
the C header interop/c/shm4j_map.h repeats the numbers. This is a lock-free reader: it never blocks
a Java writer and never returns a torn value (each slot is a seqlock; a lookup that raced a writer
starts over). Every count, index and length read from the map is checked before use: a corrupt map
raises MapCorrupted, never reads outside the mapping, and every probe is bounded.

Limits, stated plainly: Python has no atomic loads or fences. The reader relies on aligned 8-byte
loads being single-copy atomic and on x86-64 ordering (loads are not reordered with loads). Do not
use it on weakly ordered CPUs (aarch64).

Usage:
  python3 shm4j_map.py get <name> <key>                  value of a UTF-8 key as text, or ABSENT
  python3 shm4j_map.py getlong <name> <key>              value of a long key (8 bytes LE), in hex
  python3 shm4j_map.py stats <name>                      entries, capacity, stripes
  python3 shm4j_map.py check <name> <seconds> <keys>     the interop test's torn-value check
"""
import mmap
import os
import struct
import sys
import time

MAGIC = 0x50414D4A344D4853  # "SHM4JMAP" little-endian
VERSION = 1
HEADER_BYTES = 0x80
OFF_MAGIC, OFF_VERSION, OFF_CREATOR = 0x00, 0x08, 0x10
OFF_STRIPES, OFF_BUCKETS, OFF_SLOTS, OFF_ENTRIES = 0x18, 0x1C, 0x20, 0x24
OFF_MAX_KEY, OFF_MAX_VALUE, OFF_SLOT_BYTES = 0x28, 0x2C, 0x30
OFF_STRIPE_BYTES, OFF_STRIPES_OFFSET, OFF_TOTAL_BYTES, OFF_HASH_SEED = 0x38, 0x40, 0x48, 0x50
STRIPE_OFF_MUTEX_STATE, STRIPE_OFF_SIZE, STRIPE_OFF_FREE_STACK = 0x20, 0x40, 0x80
SLOT_OFF_KEY_LENGTH, SLOT_OFF_VALUE_LENGTH, SLOT_OFF_KEY = 0x08, 0x0C, 0x10
EMPTY, TOMBSTONE = 0, 0xFFFFFFFFFFFFFFFF
MASK64 = (1 << 64) - 1
C1, C2, GOLDEN = 0x87C37B91114253D5, 0x4CF5AD432745937F, 0x9E3779B97F4A7C15
RETRY_SECONDS = 1.0


class MapFormatError(Exception):
    """The segment does not hold a published shm4j map of this layout version."""


class MapCorrupted(Exception):
    """A value read from the map breaks its invariants; nothing outside the mapping was read."""


def _align(v, to):
    return (v + to - 1) & ~(to - 1)


def _step(h, w):
    x = (h ^ ((w * C1) & MASK64)) & MASK64
    x = ((x << 31) | (x >> 33)) & MASK64
    return (x * C2) & MASK64


def key_hash(key, seed):
    """org.shm4j.map.MapLayout.hash: little-endian 64-bit words, the last zero-padded."""
    h = (seed ^ ((len(key) * GOLDEN) & MASK64)) & MASK64
    i = 0
    while i + 8 <= len(key):
        h = _step(h, int.from_bytes(key[i:i + 8], "little"))
        i += 8
    if i < len(key):
        h = _step(h, int.from_bytes(key[i:] + bytes(8 - (len(key) - i)), "little"))
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    h ^= h >> 33
    return h


class SharedMapReader:
    """A read-only view of a live map in /dev/shm/<name>."""

    def __init__(self, name):
        fd = os.open("/dev/shm/" + name.lstrip("/"), os.O_RDONLY | os.O_NOFOLLOW)
        try:
            size = os.fstat(fd).st_size
            if size < HEADER_BYTES:
                raise MapFormatError(f"segment too small to hold a map: name={name}, byteSize={size}")
            self._mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(fd)
        self._buf = memoryview(self._mm)
        self.name = name
        self._attach(size)

    def close(self):
        self._buf.release()
        self._mm.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _u32(self, off):
        return struct.unpack_from("<I", self._buf, off)[0]

    def _u64(self, off):
        return struct.unpack_from("<Q", self._buf, off)[0]

    def _attach(self, size):
        if self._u64(OFF_MAGIC) != MAGIC:
            raise MapFormatError(f"not a published shm4j map: name={self.name}, magic={self._u64(OFF_MAGIC):#x}")
        if self._u32(OFF_VERSION) != VERSION:
            raise MapFormatError(f"unsupported map layout version: name={self.name}, version={self._u32(OFF_VERSION)}")
        stripes, buckets = self._u32(OFF_STRIPES), self._u32(OFF_BUCKETS)
        slots, entries = self._u32(OFF_SLOTS), self._u32(OFF_ENTRIES)
        max_key, max_value = self._u32(OFF_MAX_KEY), self._u32(OFF_MAX_VALUE)
        slot_bytes, stripe_bytes = self._u32(OFF_SLOT_BYTES), self._u64(OFF_STRIPE_BYTES)
        stripes_offset, total = self._u64(OFF_STRIPES_OFFSET), self._u64(OFF_TOTAL_BYTES)
        if (not 1 <= stripes <= 1024 or stripes & (stripes - 1) or not 2 <= slots <= 1 << 28
                or entries != slots - 1 or not 1 <= max_key <= 1 << 16 or max_value > 1 << 24):
            raise MapFormatError(f"invalid map header: name={self.name}, stripes={stripes}, slots={slots}")
        want_buckets = 8
        while want_buckets < 2 * slots:
            want_buckets <<= 1
        value_offset = SLOT_OFF_KEY + _align(max_key, 8)
        want_slot = value_offset + _align(max_value, 8)
        buckets_offset = STRIPE_OFF_FREE_STACK + _align(4 * slots, 64)
        slots_offset = buckets_offset + _align(8 * buckets, 64)
        want_stripe = slots_offset + _align(want_slot * slots, 64)
        if (buckets != want_buckets or slot_bytes != want_slot or stripe_bytes != want_stripe
                or stripes_offset != HEADER_BYTES or total != stripes_offset + stripes * stripe_bytes or total > size):
            raise MapFormatError(f"inconsistent map header: name={self.name}, totalBytes={total}, byteSize={size}")
        self.stripes, self.buckets, self.slots, self.entries_per_stripe = stripes, buckets, slots, entries
        self.max_key, self.max_value = max_key, max_value
        self._slot_bytes, self._stripe_bytes, self._stripes_offset = slot_bytes, stripe_bytes, stripes_offset
        self._buckets_offset, self._slots_offset, self._value_offset = buckets_offset, slots_offset, value_offset
        self.seed = self._u64(OFF_HASH_SEED)

    def get(self, key):
        """The value of key (bytes) as bytes, or None when absent."""
        key = bytes(key)
        if not 1 <= len(key) <= self.max_key:
            raise ValueError(f"key length out of range: keyLength={len(key)}, maxKeyBytes={self.max_key}")
        h = key_hash(key, self.seed)
        tag = h >> 32
        stripe = self._stripes_offset + (tag & (self.stripes - 1)) * self._stripe_bytes
        mask = self.buckets - 1
        home = h & mask
        deadline = None
        while True:
            retry = False
            for i in range(self.buckets):
                at = stripe + self._buckets_offset + 8 * ((home + i) & mask)
                w = self._u64(at)
                if w == EMPTY:
                    return None
                if w == TOMBSTONE or w >> 32 != tag:
                    continue
                slot = (w & 0xFFFFFFFF) - 1
                if not 0 <= slot < self.slots:
                    raise MapCorrupted(f"bucket names a slot out of range: name={self.name}, word={w:#x}")
                so = stripe + self._slots_offset + slot * self._slot_bytes
                v1 = self._u64(so)
                if v1 & 1:
                    retry = True
                    break
                kl, vl = self._u32(so + SLOT_OFF_KEY_LENGTH), self._u32(so + SLOT_OFF_VALUE_LENGTH)
                sane = 1 <= kl <= self.max_key and vl <= self.max_value
                match = sane and kl == len(key) and self._buf[so + SLOT_OFF_KEY:so + SLOT_OFF_KEY + kl] == key
                value = bytes(self._buf[so + self._value_offset:so + self._value_offset + vl]) if match else None
                # Loads are not reordered with loads on x86-64: the bucket and version are read after.
                if self._u64(at) != w or self._u64(so) != v1:
                    retry = True
                    break
                if not sane:
                    raise MapCorrupted(f"slot holds lengths out of range: name={self.name}, keyLength={kl}, "
                                       f"valueLength={vl}")
                if match:
                    return value
            if not retry:
                return None
            now = time.monotonic()
            if deadline is None:
                deadline = now + RETRY_SECONDS
            elif now > deadline:
                raise MapCorrupted(f"a read kept meeting a slot mid-write: name={self.name}")

    def get_long(self, key):
        return self.get(struct.pack("<q", key))

    def stats(self):
        sizes = []
        for s in range(self.stripes):
            base = self._stripes_offset + s * self._stripe_bytes
            sizes.append(min(self._u32(base + STRIPE_OFF_SIZE), self.entries_per_stripe))
        entries = sum(sizes)
        capacity = self.stripes * self.entries_per_stripe
        return {"entries": entries, "capacity": capacity, "stripes": self.stripes,
                "loadFactor": entries / capacity, "maxKeyBytes": self.max_key, "maxValueBytes": self.max_value}


def _whole(key, v):
    """The interop test's values: key u64, generation u64, then bytes key*7 + gen*13 + i."""
    if len(v) != 64:
        return False
    k, gen = struct.unpack_from("<QQ", v, 0)
    if k != key & MASK64:
        return False
    return all(v[i] == (key * 7 + gen * 13 + i) & 0xFF for i in range(16, 64))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, name = argv[1], argv[2]
    with SharedMapReader(name) as m:
        if cmd == "get":
            v = m.get(argv[3].encode("utf-8"))
            print("ABSENT" if v is None else v.decode("utf-8", "replace"))
        elif cmd == "getlong":
            v = m.get_long(int(argv[3]))
            print("ABSENT" if v is None else v.hex())
        elif cmd == "stats":
            for k, v in m.stats().items():
                print(f"{k}={v}")
        elif cmd == "check":
            end = time.monotonic() + float(argv[3])
            keys = int(argv[4])
            lookups = hits = 0
            while time.monotonic() < end:
                for base in (0, 1000):
                    for k in range(base, base + keys):
                        v = m.get_long(k)
                        lookups += 1
                        if v is None:
                            continue
                        if not _whole(k, v):
                            print(f"TORN key={k} length={len(v)}")
                            return 7
                        hits += 1
            print(f"OK lookups={lookups} hits={hits}")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
