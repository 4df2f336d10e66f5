#!/usr/bin/env python3
"""Read a shm4j message ring (layout version 1) from Python.

The layout is documented in docs/ring.md and in org.shm4j.ring's package documentation; the C
header interop/c/shm4j_ring.h repeats it. This module is a consumer for SPSC and MPSC rings and a
read-only statistics reader for every ring type.

Limits, stated plainly:
  * Python has no compare-and-swap or memory fences. The consumer relies on aligned 8-byte loads
    and stores being single-copy atomic and on x86-64 ordering (loads are acquire, stores are
    release). Do not use it as a consumer on weakly ordered CPUs (aarch64).
  * It takes the consumer role with a compare-and-swap from libatomic (the GCC runtime, present
    wherever gcc is); without libatomic it falls back to a check-then-write, and then must be
    attached only when no other consumer is running.
  * A record whose producer died between claim and commit, or space an MPSC producer reserved and
    never wrote, blocks the head; skip_blocked(timeout) steps over it once it has blocked the head
    that long, by the Java consumer's rule (consume does so with its skip_ms argument).

Usage:
  python3 shm4j_ring.py stats <name>
  python3 shm4j_ring.py consume <name> <count> [skip_ms]   # checks the interop test payload,
                                                           # prints OK <count> skipped=<n>
"""
import ctypes
import mmap
import os
import struct
import sys
import time

MAGIC = 0x474E4952344D4853  # "SHM4RING" little-endian
VERSION = 1
TYPES = {1: "SPSC", 2: "MPSC", 3: "BROADCAST"}

OFF_MAGIC, OFF_VERSION, OFF_TYPE, OFF_CAPACITY = 0x00, 0x08, 0x0C, 0x10
OFF_DATA_OFFSET, OFF_MAX_PAYLOAD, OFF_RECORD_HEADER_LENGTH = 0x18, 0x20, 0x24
OFF_CREATOR, OFF_START_POSITION = 0x28, 0x30
OFF_TAIL, OFF_PRODUCER_IDENTITY, OFF_MESSAGES_WRITTEN, OFF_PAYLOAD_BYTES_WRITTEN = 0x80, 0x88, 0x90, 0x98
OFF_HEAD, OFF_CONSUMER_IDENTITY, OFF_MESSAGES_READ, OFF_PAYLOAD_BYTES_READ = 0x100, 0x108, 0x110, 0x118
OFF_SKIPPED_RECORDS, OFF_SKIPPED_BYTES = 0x120, 0x128
OFF_SPACE_SIGNAL, OFF_SPACE_WAITERS = 0x200, 0x204
OFF_SLOTS, SLOT_COUNT, SLOT_LENGTH = 0x1000, 64, 128
DATA_OFFSET = 0x3000
RECORD_HEADER_LENGTH = 16
STATE_MASK, CLAIMED, COMMITTED, PADDING, ABORTED = 7, 1, 2, 3, 4
TICK_BITS = 42
MASK64 = (1 << 64) - 1


class RingCorrupted(Exception):
    """A value read from the ring breaks its invariants; nothing outside the mapping was read."""


class RingFormatError(Exception):
    """The segment does not hold a published shm4j ring."""


TICK_MASK = (1 << TICK_BITS) - 1


def _stat(pid):
    """State (field 3) and start time in clock ticks (field 22) from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[19])


def identity(pid=None):
    """pid << 42 | start time in clock ticks (low 42 bits)."""
    pid = pid or os.getpid()
    return (pid << TICK_BITS) | (_stat(pid)[1] & TICK_MASK)


def alive(identity_word):
    """Whether the process an identity word names still runs: same PID and start time, not a zombie."""
    pid = identity_word >> TICK_BITS
    if pid <= 0 or pid > (1 << 22):
        return False
    try:
        state, ticks = _stat(pid)
    except (OSError, ValueError, IndexError):
        return False
    return state not in ("Z", "X", "x") and ticks & TICK_MASK == identity_word & TICK_MASK


def _libatomic_cas():
    """__atomic_compare_exchange_8 from libatomic, or None if it is not installed."""
    try:
        cas = ctypes.CDLL("libatomic.so.1").__atomic_compare_exchange_8
    except (OSError, AttributeError):
        return None
    cas.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int, ctypes.c_int]
    cas.restype = ctypes.c_bool
    return cas


_CAS = _libatomic_cas()
_SEQ_CST = 5  # __ATOMIC_SEQ_CST


class Ring:
    def __init__(self, name, writable=True):
        path = "/dev/shm/" + name.lstrip("/")
        fd = os.open(path, (os.O_RDWR if writable else os.O_RDONLY) | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
            self.mm = mmap.mmap(fd, size, mmap.MAP_SHARED, prot)
        finally:
            os.close(fd)
        self.name = name
        if size < DATA_OFFSET + 64:
            raise RingFormatError(f"segment too small to hold a ring: name={name}, byteSize={size}")
        magic = self._u64(OFF_MAGIC)
        if magic == 0:
            raise RingFormatError(f"ring header not published: name={name}")
        if magic != MAGIC:
            raise RingFormatError(f"not a shm4j ring: bad magic: name={name}, magic={magic:#x}")
        version, ring_type = struct.unpack_from("<II", self.mm, OFF_VERSION)
        capacity, data_offset = struct.unpack_from("<QQ", self.mm, OFF_CAPACITY)
        max_payload, header = struct.unpack_from("<II", self.mm, OFF_MAX_PAYLOAD)
        if version != VERSION or ring_type not in TYPES:
            raise RingFormatError(f"unsupported ring: name={name}, version={version}, ringType={ring_type}")
        if capacity < 64 or capacity & (capacity - 1) or capacity > (1 << 40) or data_offset != DATA_OFFSET \
                or size < DATA_OFFSET + capacity:
            raise RingFormatError(f"invalid ring header: name={name}, capacity={capacity}, byteSize={size}")
        self.type, self.capacity, self.mask = TYPES[ring_type], capacity, capacity - 1
        self.max_payload, self.header_length = max_payload, header
        self.consumer = False
        self.stuck = None  # (head position, since, tail) of a blocked head being timed

    # Native-order ("=Q") unpacking copies the 8 aligned bytes with one memcpy, which compiles to
    # one load; "<Q" would assemble them byte by byte and could tear. Stores go through ctypes.
    def _u64(self, off):
        return struct.unpack_from("=Q", self.mm, off)[0]

    def _set_u64(self, off, value):
        ctypes.c_uint64.from_buffer(self.mm, off).value = value & MASK64

    def stats(self):
        """Counters, read without writing anything."""
        read = self._u64
        def peer(word):
            return None if word == 0 else {"pid": word >> TICK_BITS, "alive": alive(word)}
        written, written_bytes = read(OFF_MESSAGES_WRITTEN), read(OFF_PAYLOAD_BYTES_WRITTEN)
        producers = []
        if self.type == "MPSC":
            for i in range(SLOT_COUNT):
                slot = OFF_SLOTS + i * SLOT_LENGTH
                written += read(slot + 8)
                written_bytes += read(slot + 16)
                if read(slot):
                    producers.append(peer(read(slot)))
        elif read(OFF_PRODUCER_IDENTITY):
            producers.append(peer(read(OFF_PRODUCER_IDENTITY)))
        head, tail = read(OFF_HEAD), read(OFF_TAIL)
        return {"type": self.type, "capacity": self.capacity, "head": head, "tail": tail,
                "lag": (tail - head) & MASK64 if self.type != "BROADCAST" else None,
                "messagesWritten": written, "payloadBytesWritten": written_bytes,
                "messagesRead": read(OFF_MESSAGES_READ), "payloadBytesRead": read(OFF_PAYLOAD_BYTES_READ),
                "skippedRecords": read(OFF_SKIPPED_RECORDS), "creator": peer(read(OFF_CREATOR)),
                "producers": producers, "consumer": peer(read(OFF_CONSUMER_IDENTITY))}

    def _cas_u64(self, off, expected, desired):
        """Compare-and-swap of the aligned u64 at off; True if it held expected and now holds desired."""
        word = ctypes.c_uint64.from_buffer(self.mm, off)
        witness = ctypes.c_uint64(expected)
        try:
            return _CAS(ctypes.addressof(word), ctypes.addressof(witness), desired & MASK64, _SEQ_CST, _SEQ_CST)
        finally:
            del word  # releases the mmap export, so close() can unmap

    def become_consumer(self):
        """Takes the consumer role, free or held by a dead process (as the Java and C consumers do)."""
        if self.type == "BROADCAST":
            raise ValueError("the Python reader consumes SPSC and MPSC rings only")
        me = identity()
        while True:
            current = self._u64(OFF_CONSUMER_IDENTITY)
            if current != 0 and (current == me or alive(current)):
                raise RuntimeError(f"ring role is held by a live process: name={self.name}, role=consumer, "
                                   f"pid={current >> TICK_BITS}")
            if _CAS is None:
                self._set_u64(OFF_CONSUMER_IDENTITY, me)
                break
            if self._cas_u64(OFF_CONSUMER_IDENTITY, current, me):  # on the exact value judged
                break
        self.me = me
        self.consumer = True

    def poll(self, handler, limit=1000):
        """Calls handler(type_id, payload: memoryview) for up to limit committed records."""
        if not self.consumer:
            raise RuntimeError("call become_consumer() first")
        start = h = self._u64(OFF_HEAD)
        count = nbytes = 0
        view = memoryview(self.mm)
        try:
            while count < limit:
                off = h & self.mask
                word0 = self._u64(DATA_OFFSET + off)
                state = word0 & STATE_MASK
                if word0 & ~STATE_MASK != h or state in (0, CLAIMED):
                    break
                if state == PADDING:
                    if off == 0:
                        raise RingCorrupted(f"padding record at the start of the data region: position={h}")
                    h = (h + self.capacity - off) & MASK64
                    continue
                length, type_id, record = self._record_header(h, off)
                if state == COMMITTED:
                    begin = DATA_OFFSET + off + RECORD_HEADER_LENGTH
                    handler(type_id, view[begin:begin + length])
                    count += 1
                    nbytes += length
                elif state != ABORTED:
                    raise RingCorrupted(f"unknown record state: position={h}, state={state}")
                h = (h + record) & MASK64
        finally:
            view.release()
            if h != start:
                self._set_u64(OFF_MESSAGES_READ, self._u64(OFF_MESSAGES_READ) + count)
                self._set_u64(OFF_PAYLOAD_BYTES_READ, self._u64(OFF_PAYLOAD_BYTES_READ) + nbytes)
                self._set_u64(OFF_HEAD, h)  # frees the space for producers
                self._wake_producers()
        return count

    def _record_header(self, h, off):
        """Length, type id and record length of the record at position h (offset off), validated."""
        if off + RECORD_HEADER_LENGTH > self.capacity:
            raise RingCorrupted(f"record header crosses the end of the data region: position={h}")
        length, type_id = struct.unpack_from("<ii", self.mm, DATA_OFFSET + off + 8)
        record = (RECORD_HEADER_LENGTH + length + 7) & ~7
        if length < 0 or length > self.max_payload or type_id < 0 or off + record > self.capacity:
            raise RingCorrupted(f"invalid record: position={h}, length={length}, typeId={type_id}")
        return length, type_id, record

    def skip_blocked(self, timeout):
        """Steps over a record left claimed, or space reserved without a header, once it has blocked
        the head for timeout seconds; call it when poll delivers nothing. Returns True if it skipped
        (counted in skippedRecords and skippedBytes)."""
        if not self.consumer:
            raise RuntimeError("call become_consumer() first")
        h = self._u64(OFF_HEAD)
        off = h & self.mask
        word0 = self._u64(DATA_OFFSET + off)
        state = word0 & STATE_MASK
        header = word0 & ~STATE_MASK == h and state != 0
        claimed = header and state == CLAIMED
        if header and not claimed:
            self.stuck = None
            return False
        t = 0
        if not claimed:
            t = self._u64(OFF_TAIL)
            ahead = (t - h) & MASK64
            if ahead > self.capacity:
                raise RingCorrupted(f"tail inconsistent with head: head={h}, tail={t}, capacity={self.capacity}")
            if ahead == 0:
                self.stuck = None
                return False
        now = time.monotonic()
        if self.stuck is None or self.stuck[0] != h:
            self.stuck = (h, now, t)
            return False
        if now - self.stuck[1] < timeout:
            return False
        if claimed:
            nxt = (h + self._record_header(h, off)[2]) & MASK64
        else:
            nxt = h
            for step in range(8, (t - h) & MASK64, 8):  # the first header of this lap after h, below t
                q = (h + step) & MASK64
                w = self._u64(DATA_OFFSET + (q & self.mask))
                if w & ~STATE_MASK == q and CLAIMED <= w & STATE_MASK <= ABORTED:
                    nxt = q
                    break
            if nxt == h:
                if t != self.stuck[2]:  # producers still reserving behind the gap: wait for a quiet tail
                    self.stuck = (h, now, t)
                    return False
                nxt = t
        self._set_u64(OFF_SKIPPED_RECORDS, self._u64(OFF_SKIPPED_RECORDS) + 1)
        self._set_u64(OFF_SKIPPED_BYTES, self._u64(OFF_SKIPPED_BYTES) + ((nxt - h) & MASK64))
        self._set_u64(OFF_HEAD, nxt)  # frees the space for producers
        self._wake_producers()
        self.stuck = None
        return True

    def _wake_producers(self):
        if struct.unpack_from("<I", self.mm, OFF_SPACE_WAITERS)[0]:
            signal = ctypes.c_uint32.from_buffer(self.mm, OFF_SPACE_SIGNAL)
            signal.value = (signal.value + 1) & 0xFFFFFFFF  # only the consumer writes this word
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall(ctypes.c_long(202), ctypes.c_void_p(ctypes.addressof(signal)), 1, 0x7FFFFFFF, None, None, 0)
            del signal

    def close(self):
        if self.consumer:
            if _CAS is not None:
                self._cas_u64(OFF_CONSUMER_IDENTITY, self.me, 0)
            elif self._u64(OFF_CONSUMER_IDENTITY) == self.me:
                self._set_u64(OFF_CONSUMER_IDENTITY, 0)
        self.consumer = False
        self.mm.close()


def payload_length(seq):
    return 8 + (seq * 7) % 300


def check_payload(payload, seq):
    n = payload_length(seq)
    expected = struct.pack("<Q", seq) + bytes((seq + j) & 0xFF for j in range(8, n))
    return payload.tobytes() == expected


def main(argv):
    if len(argv) == 3 and argv[1] == "stats":
        ring = Ring(argv[2], writable=False)
        print(ring.stats())
        ring.mm.close()
        return 0
    if len(argv) not in (4, 5) or argv[1] != "consume":
        print(__doc__, file=sys.stderr)
        return 1
    skip = int(argv[4]) / 1000 if len(argv) == 5 else None
    skipped = 0
    ring = Ring(argv[2])
    ring.become_consumer()
    print("READY", flush=True)
    count, state = int(argv[3]), {"next": 0, "bad": None}

    def handle(type_id, payload):
        seq = state["next"]
        if state["bad"] is None and (type_id != seq % 1000 or not check_payload(payload, seq)):
            state["bad"] = f"bad record at {seq}: type={type_id}, length={len(payload)}"
        state["next"] += 1

    last = time.monotonic()
    while state["next"] < count and state["bad"] is None:
        if ring.poll(handle, 1000):
            last = time.monotonic()
        elif skip is not None and ring.skip_blocked(skip):
            skipped += 1
        elif time.monotonic() - last > 60:
            print(f"nothing for 60 s after {state['next']}", file=sys.stderr)
            return 5
        else:
            time.sleep(0.0002)
    ring.close()
    if state["bad"]:
        print(state["bad"], file=sys.stderr)
        return 7
    print(f"OK {state['next']} skipped={skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
