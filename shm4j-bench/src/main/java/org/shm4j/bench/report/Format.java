package org.shm4j.bench.report;

import java.util.Locale;
import java.util.function.DoubleFunction;
import org.shm4j.bench.harness.Spread;

/** How figures are written in the report. */
final class Format {
    private Format() {}

    static String bytes(long n) {
        if (n >= 1L << 30 && n % (1L << 30) == 0) {
            return n / (1L << 30) + " GiB";
        }
        if (n >= 1L << 20 && n % (1L << 20) == 0) {
            return n / (1L << 20) + " MiB";
        }
        if (n >= 1L << 10 && n % (1L << 10) == 0) {
            return n / (1L << 10) + " KiB";
        }
        return n + " B";
    }

    /** Microseconds with three significant digits. */
    static String micros(double us) {
        return sig(us) + " µs";
    }

    static String sig(double v) {
        if (!Double.isFinite(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** Messages (or anything) per second: 3.52 M/s. */
    static String rate(double perSecond) {
        if (!Double.isFinite(perSecond)) {
            return "–";
        }
        if (perSecond >= 1e6) {
            return sig(perSecond / 1e6) + " M";
        }
        if (perSecond >= 1e3) {
            return sig(perSecond / 1e3) + " k";
        }
        return sig(perSecond);
    }

    /** "median (min–max)". */
    static String spread(Spread s, DoubleFunction<String> f) {
        if (s.isEmpty()) {
            return "–";
        }
        if (s.runs() == 1) {
            return f.apply(s.median());
        }
        return f.apply(s.median()) + " <sub>(" + f.apply(s.min()) + "–" + f.apply(s.max()) + ")</sub>";
    }

    /** "1.23× (1.10–1.40)". */
    static String ratio(Spread s) {
        return spread(s, v -> sig(v) + "×");
    }
}
