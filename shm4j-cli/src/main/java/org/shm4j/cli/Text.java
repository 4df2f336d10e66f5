package org.shm4j.cli;

import java.time.Duration;

/** Messages in shm4j's {@code what failed: key=value} shape, and text made safe to print on a terminal. */
public final class Text {
    private Text() {}

    /** {@code what: key=value, key=value}; values are made printable with {@link #safe}. */
    public static String format(String what, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("odd number of key/value arguments: what=" + what);
        }
        StringBuilder b = new StringBuilder(what);
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(i == 0 ? ": " : ", ").append(keyValues[i]).append('=');
            String v = safe(String.valueOf(keyValues[i + 1]));
            b.append(v.isEmpty() || v.indexOf(' ') >= 0 || v.indexOf(',') >= 0 ? '"' + v + '"' : v);
        }
        return b.toString();
    }

    /**
     * The text with every control, format (bidirectional overrides and the like) and unassigned
     * character escaped as {@code \xNN} or {@code \}{@code uNNNN}, and backslashes doubled, so a
     * hostile file name cannot move the cursor, change colours or hide itself.
     */
    public static String safe(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String replacement = escape(c);
            if (replacement != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (replacement != null) {
                    b.append(replacement);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    private static String escape(char c) {
        if (c == '\\') {
            return "\\\\";
        }
        if (c < 0x20 || c == 0x7f) {
            return String.format("\\x%02x", (int) c);
        }
        if (c < 0x80) {
            return null;
        }
        int type = Character.getType(c);
        if (type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR) {
            return String.format("\\u%04x", (int) c);
        }
        return null;
    }

    /** A short age: {@code 42s}, {@code 5m}, {@code 3h}, {@code 12d}. */
    public static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 120 * 60) {
            return s / 60 + "m";
        }
        if (s < 48 * 3600) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    /** {@code 0640} */
    public static String octal(int permissions) {
        String octal = Integer.toOctalString(permissions);
        return "0000".substring(Math.min(4, octal.length())) + octal;
    }

    /** {@code rw-r-----} */
    public static String symbolic(int permissions) {
        String letters = "rwxrwxrwx";
        StringBuilder b = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            b.append((permissions & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
        }
        return b.toString();
    }
}
