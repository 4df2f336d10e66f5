package org.shm4j.ring;

/**
 * How a producer waits for space and a consumer or receiver waits for records, chosen by the caller
 * per handle. Only the waits with a timeout use it; {@code offer}, {@code tryClaim} and
 * {@code poll} without a timeout never wait.
 *
 * <ul>
 * <li>{@link #busySpin()}: lowest latency, one core at 100% while waiting.</li>
 * <li>{@link #spinThenYield(int)}: spins, then {@link Thread#yield()}s; still uses a core.</li>
 * <li>{@link #blocking(int)}: spins, then sleeps in the kernel on a futex word in the ring header
 *     (a virtual thread parks instead, and re-checks at most every millisecond: it never pins its
 *     carrier)
 * (process-shared), woken by the other side. An idle blocked consumer uses no CPU.</li>
 * </ul>
 */
public sealed interface WaitStrategy permits WaitStrategy.BusySpin, WaitStrategy.SpinThenYield, WaitStrategy.Blocking {

    /**
     * Spin until ready or timed out, with a {@link Thread#onSpinWait()} every
     * 16 checks: a spin-wait hint can cost over 100 ns, which one
     * per check would add to the latency of every hand-off.
     */
    static WaitStrategy busySpin() {
        return new BusySpin();
    }

    /** Spin 1000 times, then yield. */
    static WaitStrategy spinThenYield() {
        return new SpinThenYield(1000);
    }

    /** Spin {@code spins} times, then yield between checks. */
    static WaitStrategy spinThenYield(int spins) {
        return new SpinThenYield(spins);
    }

    /** Spin 200 times, then block on the ring's futex word. */
    static WaitStrategy blocking() {
        return new Blocking(200);
    }

    /** Spin {@code spins} times, then block on the ring's futex word. */
    static WaitStrategy blocking(int spins) {
        return new Blocking(spins);
    }

    /** Busy spinning. */
    record BusySpin() implements WaitStrategy {
        /** Checks between two {@link Thread#onSpinWait()} hints (a power of two). */
        static final int CHECKS_PER_PAUSE = 16;

        /** One idle step of a busy spin: {@code idle} counts the checks that found nothing. */
        static void spin(int idle) {
            if ((idle & (CHECKS_PER_PAUSE - 1)) == CHECKS_PER_PAUSE - 1) {
                Thread.onSpinWait();
            }
        }
    }

    /** Spinning, then yielding. @param spins checks before the first yield, not negative */
    record SpinThenYield(int spins) implements WaitStrategy {
        /** @throws IllegalArgumentException if {@code spins} is negative */
        public SpinThenYield {
            if (spins < 0) {
                throw new IllegalArgumentException("spins must not be negative: spins=" + spins);
            }
        }
    }

    /** Spinning, then sleeping on a futex. @param spins checks before the first sleep, not negative */
    record Blocking(int spins) implements WaitStrategy {
        /** @throws IllegalArgumentException if {@code spins} is negative */
        public Blocking {
            if (spins < 0) {
                throw new IllegalArgumentException("spins must not be negative: spins=" + spins);
            }
        }
    }
}
