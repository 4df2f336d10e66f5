package org.shm4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A plain-text table: columns padded to their widest cell, colours applied after padding. */
final class Table {
    private final List<String> headers;
    private final List<String[]> rows = new ArrayList<>();
    private final List<java.util.Map<Integer, UnaryOperator<String>>> styles = new ArrayList<>();
    private final boolean[] rightAligned;

    Table(List<String> headers, boolean... rightAligned) {
        this.headers = headers;
        this.rightAligned = rightAligned;
    }

    void add(String[] cells) {
        rows.add(cells);
        styles.add(new java.util.HashMap<>());
    }

    /** Colours one cell of the last row added; {@code null} leaves it plain. */
    void style(int column, UnaryOperator<String> style) {
        if (style != null) {
            styles.get(styles.size() - 1).put(column, style);
        }
    }

    void print(PrintWriter out, Colours colours, int maxLastColumn) {
        int n = headers.size();
        int[] width = new int[n];
        for (int i = 0; i < n; i++) {
            width[i] = headers.get(i).length();
        }
        for (String[] row : rows) {
            for (int i = 0; i < n; i++) {
                width[i] = Math.max(width[i], Math.min(i == n - 1 ? maxLastColumn : Integer.MAX_VALUE, row[i].length()));
            }
        }
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
            line.append(cell(headers.get(i), width[i], i, n, UnaryOperator.identity()));
        }
        out.println(colours.bold(line.toString().stripTrailing()));
        for (int r = 0; r < rows.size(); r++) {
            line.setLength(0);
            String[] row = rows.get(r);
            java.util.Map<Integer, UnaryOperator<String>> st = styles.get(r);
            for (int i = 0; i < n; i++) {
                String text = row[i];
                if (i == n - 1 && text.length() > maxLastColumn) {
                    text = text.substring(0, Math.max(0, maxLastColumn - 3)) + "...";
                }
                line.append(cell(text, width[i], i, n, st.getOrDefault(i, UnaryOperator.identity())));
            }
            out.println(stripTrailing(line));
        }
        out.flush();
    }

    private String cell(String text, int width, int index, int count, UnaryOperator<String> style) {
        String pad = " ".repeat(Math.max(0, width - text.length()));
        boolean right = index < rightAligned.length && rightAligned[index];
        String padded = right ? pad + style.apply(text) : style.apply(text) + (index == count - 1 ? "" : pad);
        return index == count - 1 ? padded : padded + "  ";
    }

    private static String stripTrailing(StringBuilder b) {
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == ' ') {
            end--;
        }
        return b.substring(0, end);
    }
}
