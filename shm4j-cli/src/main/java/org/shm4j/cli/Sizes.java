package org.shm4j.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Byte sizes as people type them ({@code 4k}, {@code 1M}, {@code 2G}, {@code 0x1000}) and as tables show them. */
public final class Sizes {
    private static final String UNITS = "KMGTPE";

    private Sizes() {}

    /**
     * Parses a size: a decimal or {@code 0x} hexadecimal number of bytes, optionally followed by
     * {@code k}, {@code M}, {@code G}, {@code T}, {@code P} or {@code E} (powers of 1024, any case,
     * with an optional {@code i}, {@code B} or {@code iB}).
     *
     * @throws IllegalArgumentException if the text is not a size or exceeds {@link Long#MAX_VALUE}
     */
    public static long parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw invalid(text, "empty");
        }
        if (t.startsWith("0x") || t.startsWith("0X")) {
            try {
                long v = Long.parseUnsignedLong(t.substring(2), 16);
                if (v < 0) {
                    throw invalid(text, "too large");
                }
                return v;
            } catch (NumberFormatException e) {
                throw invalid(text, "not a hexadecimal number");
            }
        }
        int end = 0;
        while (end < t.length() && Character.isDigit(t.charAt(end)) && t.charAt(end) < 128) {
            end++;
        }
        if (end == 0) {
            throw invalid(text, "does not start with a number");
        }
        String unit = t.substring(end).toUpperCase(Locale.ROOT);
        if (unit.endsWith("IB")) {
            unit = unit.substring(0, unit.length() - 2);
        } else if (unit.endsWith("B")) {
            unit = unit.substring(0, unit.length() - 1);
        } else if (unit.endsWith("I")) {
            unit = unit.substring(0, unit.length() - 1);
        }
        int shift = 0;
        if (!unit.isEmpty()) {
            int index = UNITS.indexOf(unit);
            if (unit.length() != 1 || index < 0) {
                throw invalid(text, "unknown unit, expected k, M, G, T, P or E");
            }
            shift = 10 * (index + 1);
        }
        long value;
        try {
            value = Long.parseLong(t.substring(0, end));
        } catch (NumberFormatException e) {
            throw invalid(text, "too large");
        }
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw invalid(text, "too large");
        }
        return value << shift;
    }

    /** {@code 4.0 KiB}, {@code 512 B}, {@code 1.5 GiB}. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = -1;
        double v = bytes;
        while (v >= 1024 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        // By hand rather than String.format: ls formats thousands of these.
        long tenths = Math.round(v * 10);
        String number = v >= 100 ? Long.toString(Math.round(v)) : (tenths / 10) + "." + (tenths % 10);
        return number + " " + UNITS.charAt(unit) + "iB";
    }

    private static IllegalArgumentException invalid(String text, String reason) {
        return new IllegalArgumentException(Text.format("invalid size", "value", text, "reason", reason,
                "examples", "4096 4k 1M 2G 0x1000"));
    }

    /** picocli converter for size options and parameters. */
    public static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
