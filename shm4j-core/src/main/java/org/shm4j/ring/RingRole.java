package org.shm4j.ring;

import java.util.function.Function;
import org.shm4j.internal.Messages;

/**
 * The skeleton every ring peer shares (producer, consumer, transmitter, receiver): the role it holds
 * in the ring's header (an identity word at an offset, or none for a broadcast receiver), how it
 * joins the ring handle that closes it, how it leaves (unregister, then give the role back with a
 * CAS so a dead or departed holder never frees a role someone else took since), and the words of
 * its errors.
 */
final class RingRole {
    /** The offset of a role nobody holds in the header (broadcast receivers are not registered). */
    static final long NONE = -1;

    final RingRegion ring;
    final String role;
    final long offset;
    final long identity;

    private RingRole(RingRegion ring, String role, long offset, long identity) {
        this.ring = ring;
        this.role = role;
        this.offset = offset;
        this.identity = identity;
    }

    /** Takes the single-holder role at {@code offset}: free, or held by a dead process. */
    static RingRole take(RingRegion ring, long offset, String role) throws RingBusyException {
        return new RingRole(ring, role, offset, ring.takeRole(offset, role));
    }

    /** A role the caller has already taken (an MPSC producer slot). */
    static RingRole taken(RingRegion ring, long offset, long identity, String role) {
        return new RingRole(ring, role, offset, identity);
    }

    /** No role in the header: a broadcast receiver. */
    static RingRole none(RingRegion ring, String role) {
        return new RingRole(ring, role, NONE, 0);
    }

    /**
     * A peer as the ring handle sees it. The peer holds the ring's mapping from {@code join} until
     * its own {@link #close()}; closing the ring handle first only {@linkplain #revoke() revokes} it
     * (every later call throws {@link IllegalStateException}, the role is given back) and leaves the
     * mapping in place, since the peer's thread may be inside a call that reaches the memory by
     * absolute address ({@link org.shm4j.internal.block.Absolute}).
     */
    interface Member extends AutoCloseable {
        /** Refuses every later call and gives the role back; the mapping stays until {@link #close()}. */
        void revoke();

        /** Closes the peer; never throws a checked exception. */
        @Override
        void close();
    }

    /**
     * Makes the peer and registers it with the ring handle (the peer then holds the mapping, and
     * closing the ring revokes it); gives the role back if either step fails.
     */
    <T extends Member> T join(Function<RingRole, T> peer) {
        try {
            T p = peer.apply(this);
            ring.register(p);
            return p;
        } catch (RuntimeException | Error e) {
            release();
            throw e;
        }
    }

    /**
     * Leaves the ring: gives the role back, unregisters {@code peer} and drops its hold on the
     * mapping (the last hold unmaps it). Call once, from the peer's {@code close()}.
     */
    void leave(Member peer) {
        release();
        ring.unregister(peer);
    }

    /** Gives the role back without leaving: the peer keeps its hold on the mapping. */
    void release() {
        if (offset != NONE) {
            ring.releaseRole(offset, identity);
        }
    }

    /** The error for a use after close. */
    IllegalStateException closed() {
        return new IllegalStateException(Messages.format(role + " is closed", "name", ring.name));
    }

    /**
     * The error for a header or record value the protocol never writes: what, the ring, then
     * {@code keyValues}; an {@link IllegalStateException} instead once the ring is closed.
     */
    RuntimeException corrupted(String what, Object... keyValues) {
        if (!ring.isOpen()) {
            // The ring was closed while this call ran: the values it read may be the zeros of a
            // detached mapping (RingRegion.close, Absolute.detach), not a corruption of the ring.
            return closed();
        }
        Object[] all = new Object[keyValues.length + 4];
        all[0] = "name";
        all[1] = ring.name;
        all[2] = "role";
        all[3] = role;
        System.arraycopy(keyValues, 0, all, 4, keyValues.length);
        String prefix = ring.type == RingType.BROADCAST ? "broadcast ring corrupted: " : "ring corrupted: ";
        return new RingCorruptedException(Messages.format(prefix + what, all));
    }
}
