package org.shm4j.sync;

import static org.shm4j.sync.SyncLayout.TOKEN_OWNER_DIED;
import static org.shm4j.sync.SyncLayout.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.shm4j.internal.ProcessIdentity;
import org.shm4j.internal.block.Absolute;

/**
 * The owner record of a mutex or of a read-write lock's write side: the holder's identity word and
 * its thread's token (see {@link SyncLayout}). The token is the record's validity mark: the holder
 * writes the identity, then the token with release; it clears the token before releasing the state
 * word. So a nonzero token means "the record belongs to a holder that has not unlocked", and a
 * token equal to {@link #myToken()} means "this thread holds the lock".
 */
final class OwnerRecord {
    private static final long IDENTITY = SyncLayout.OWNER_IDENTITY_OFFSET;
    private static final long TOKEN = SyncLayout.OWNER_TOKEN_OFFSET;
    static final long MY_IDENTITY = ProcessIdentity.current().word();

    /**
     * Tokens of this process are {@code SALT ^ threadId}: distinct for each thread of the process,
     * and for two threads of two processes equal with probability 2^-61 (the salt is a bijective
     * mix of the process identity, which no other live process shares). Bit 62 set, so a token is
     * never 0 (thread ids stay far below 2^62); bit 63 clear, left for {@link SyncLayout#TOKEN_OWNER_DIED}.
     */
    private static final long SALT = (mix(MY_IDENTITY) | (1L << 62)) & ~TOKEN_OWNER_DIED;

    private OwnerRecord() {}

    /** The current thread's token. */
    static long myToken() {
        return SALT ^ Thread.currentThread().threadId();
    }

    /**
     * Writes the record after a successful lock CAS; {@code ownerDied} when the CAS took over from
     * a dead holder. Release on the token: pairs with the acquire load in {@link #holderAlive}, so a
     * checker that sees this token also sees this identity.
     */
    static void claim(MemorySegment block, boolean ownerDied) {
        block.set(U64, IDENTITY, MY_IDENTITY);
        SyncBlock.LONG.setRelease(block, TOKEN, ownerDied ? myToken() | TOKEN_OWNER_DIED : myToken());
    }

    /**
     * As {@link #claim(MemorySegment, boolean)}, for the block at absolute address {@code block}
     * (see {@link Absolute}: a mapping the caller keeps, little-endian native order).
     */
    static void claim(long block, boolean ownerDied) {
        Absolute.MEMORY.set(ValueLayout.JAVA_LONG, block + IDENTITY, MY_IDENTITY);
        Absolute.LONG.setRelease(Absolute.MEMORY, block + TOKEN, ownerDied ? myToken() | TOKEN_OWNER_DIED : myToken());
    }

    /**
     * The token as the holder sees it: a plain load, since if this thread holds the lock it wrote
     * the value itself, and if it does not, no value it reads equals its own token.
     */
    static long token(MemorySegment block) {
        return block.get(U64, TOKEN);
    }

    /** As {@link #token(MemorySegment)}, at an absolute address (see {@link #claim(long, boolean)}). */
    static long token(long block) {
        return Absolute.MEMORY.get(ValueLayout.JAVA_LONG, block + TOKEN);
    }

    /**
     * Clears the token before the state word is released. A plain store: the releasing exchange that
     * follows is a full fence, so the next holder, whose CAS reads that exchange's value, sees the
     * token cleared, and a stale token can never match a later thread.
     */
    static void clear(MemorySegment block) {
        block.set(U64, TOKEN, 0L);
    }

    /** As {@link #clear(MemorySegment)}, at an absolute address (see {@link #claim(long, boolean)}). */
    static void clear(long block) {
        Absolute.MEMORY.set(ValueLayout.JAVA_LONG, block + TOKEN, 0L);
    }

    /** Drops the owner-died mark after {@code markConsistent()} cleared {@code OWNER_DIED} in the word. */
    static void markConsistent(MemorySegment block) {
        SyncBlock.LONG.setOpaque(block, TOKEN, myToken());
    }

    /** Whether the record says the current thread holds the lock (owner-died mark or not). */
    static boolean heldByCurrentThread(MemorySegment block) {
        return ((long) SyncBlock.LONG.getOpaque(block, TOKEN) & ~TOKEN_OWNER_DIED) == myToken();
    }

    /**
     * Whether process {@code pid} (from a state word) still holds the lock. The identity is trusted
     * only when the token is set and the identity's PID equals the word's: then its start time tells
     * a recycled PID from the holder. Otherwise the holder is between its CAS and its record (or died
     * there), and only the PID is checked.
     */
    static boolean holderAlive(MemorySegment block, int pid) {
        // Acquire: pairs with the release store of the token in claim(), so the identity read next is
        // the one written with this token or a later one.
        long token = (long) SyncBlock.LONG.getAcquire(block, TOKEN);
        long start = recordedStart(token, (long) SyncBlock.LONG.getOpaque(block, IDENTITY), pid);
        if (pid == ProcessIdentity.current().pid()) {
            // Another thread of this process, unless the record is from an earlier process that had
            // our PID and died holding the lock.
            return start == 0 || start == (ProcessIdentity.current().startTicks() & ProcessIdentity.TICK_MASK);
        }
        return pid <= SyncLayout.PID_MASK && ProcessIdentity.isAlive(pid, start);
    }

    /**
     * The start time a monitoring tool can attach to the holder {@code pid} from a copy of the
     * record, or 0 when the record does not name that holder.
     */
    static long recordedStart(long token, long identity, int pid) {
        ProcessIdentity recorded = ProcessIdentity.ofWord(identity);
        return token != 0 && recorded.pid() == pid ? recorded.startTicks() : 0;
    }

    /** SplitMix64's finalizer: a bijection on 64-bit values. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
