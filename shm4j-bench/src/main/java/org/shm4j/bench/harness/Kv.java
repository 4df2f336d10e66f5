package org.shm4j.bench.harness;

/**
 * The benchmarks' error messages in the project's shape, {@code what failed: key=value, key=value}.
 * The benchmarks use shm4j's public API only, so they format their own messages.
 */
public final class Kv {
    private Kv() {}

    /** {@code what} followed by the key=value pairs of {@code keyValues} (alternating keys and values). */
    public static String format(String what, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("odd number of key/value arguments: what=" + what);
        }
        StringBuilder b = new StringBuilder(what);
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(i == 0 ? ": " : ", ").append(keyValues[i]).append('=').append(keyValues[i + 1]);
        }
        return b.toString();
    }
}
