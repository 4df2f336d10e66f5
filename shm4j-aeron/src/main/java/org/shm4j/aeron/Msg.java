package org.shm4j.aeron;

/** Builds error messages of the shape {@code what failed: key=value, key=value}. */
final class Msg {
    private Msg() {}

    static String format(String what, Object... keyValues) {
        StringBuilder b = new StringBuilder(what);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            b.append(i == 0 ? ": " : ", ").append(keyValues[i]).append('=').append(keyValues[i + 1]);
        }
        return b.toString();
    }
}
