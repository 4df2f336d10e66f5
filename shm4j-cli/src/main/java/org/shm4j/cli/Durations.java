package org.shm4j.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Durations as people type them: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}; a bare number is seconds. */
final class Durations {
    private Durations() {}

    static Duration parse(String text) {
        String t = text.strip();
        int end = 0;
        while (end < t.length() && (Character.isDigit(t.charAt(end)) || t.charAt(end) == '.') && t.charAt(end) < 128) {
            end++;
        }
        if (end == 0) {
            throw invalid(text);
        }
        double value;
        try {
            value = Double.parseDouble(t.substring(0, end));
        } catch (NumberFormatException e) {
            throw invalid(text);
        }
        double millis = switch (t.substring(end)) {
            case "ms" -> value;
            case "", "s" -> value * 1000;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            case "d" -> value * 86_400_000;
            default -> throw invalid(text);
        };
        if (millis > 1e15) {
            throw invalid(text);
        }
        return Duration.ofMillis(Math.round(millis));
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException(Text.format("invalid duration", "value", text, "examples",
                "500ms 10s 5m 2h 1d"));
    }

    /** picocli converter. */
    static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
