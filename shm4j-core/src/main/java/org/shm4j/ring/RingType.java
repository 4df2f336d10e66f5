package org.shm4j.ring;

/** The topology of a ring, stored in its header. */
public enum RingType {
    /** One producer, one consumer: {@link SpscRing}. */
    SPSC(1),
    /** Many producers, one consumer: {@link MpscRing}. */
    MPSC(2),
    /** One transmitter, any number of receivers that may be lapped: {@link BroadcastRing}. */
    BROADCAST(3);

    private final int code;

    RingType(int code) {
        this.code = code;
    }

    /** The value of the header's {@code ringType} field. */
    public int code() {
        return code;
    }

    /** The type with this header code, or null for any other value (the code is untrusted). */
    static RingType ofCode(int code) {
        for (RingType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
