package org.shm4j.internal;

/**
 * The one place that builds error messages. Every message has the shape
 * {@code what failed: key=value, key=value}, so logs can be grepped and parsed.
 */
public final class Messages {
    private Messages() {}

    /**
     * Formats {@code what} followed by key=value pairs.
     *
     * @param what what failed, lower case, no trailing punctuation
     * @param keyValues alternating keys and values; values are rendered with {@link String#valueOf}
     * @throws IllegalArgumentException if {@code keyValues} has an odd length
     */
    public static String format(String what, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("odd number of key/value arguments: what=" + what);
        }
        StringBuilder b = new StringBuilder(what);
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(i == 0 ? ": " : ", ").append(keyValues[i]).append('=').append(render(keyValues[i + 1]));
        }
        return b.toString();
    }

    /**
     * The key and value that identify an object in a message: {@code name=orders} for an entry of
     * {@code /dev/shm} (or a bare name), {@code path=/data/x.bin} for any other file. Errors about a
     * named object say {@code name=}, never {@code path=}.
     */
    public static Object[] objectKey(String pathOrName) {
        if (pathOrName == null) {
            return new Object[0];
        }
        String shm = "/dev/shm/";
        if (pathOrName.startsWith(shm) && pathOrName.indexOf('/', shm.length()) < 0) {
            return new Object[] {"name", pathOrName.substring(shm.length())};
        }
        return new Object[] {pathOrName.indexOf('/') >= 0 ? "path" : "name", pathOrName};
    }

    private static String render(Object value) {
        if (value instanceof String s && !isQuoted(s)
                && (s.isEmpty() || s.chars().anyMatch(c -> c <= ' ' || c == ',' || c == 0x7f))) {
            return quote(s);
        }
        return String.valueOf(value);
    }

    /** Whether {@code s} already went through {@link #quote}, so it is not quoted twice. */
    private static boolean isQuoted(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"'
                && s.chars().noneMatch(c -> c < ' ' || c == 0x7f);
    }

    /** Quotes a string with Java escapes so control characters and separators stay visible. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < ' ' || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
