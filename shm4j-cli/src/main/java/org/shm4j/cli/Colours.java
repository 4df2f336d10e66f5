package org.shm4j.cli;

import picocli.CommandLine.Help.Ansi;

/**
 * Colours through picocli's ANSI styles, applied only to text already made safe; off when not on
 * a terminal or when {@code NO_COLOR} is set (see {@link Io#colour()}).
 */
final class Colours {
    private final boolean on;

    Colours(boolean on) {
        this.on = on;
    }

    String bold(String s) {
        return style(s, Ansi.Style.bold);
    }

    String red(String s) {
        return style(s, Ansi.Style.fg_red);
    }

    String green(String s) {
        return style(s, Ansi.Style.fg_green);
    }

    String yellow(String s) {
        return style(s, Ansi.Style.fg_yellow);
    }

    String faint(String s) {
        return style(s, Ansi.Style.faint);
    }

    private String style(String s, Ansi.Style style) {
        return on ? style.on() + s + style.off() + Ansi.Style.reset.off() : s;
    }
}
