package org.shm4j.bench.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's PNG charts, drawn with XChart (headless). */
final class Charts {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 560;

    private Charts() {}

    /** A series of points for an XY chart. */
    record Series(String name, double[] x, double[] y) {}

    /**
     * Round-trip latency against percentile, HdrHistogram style: the x axis counts nines,
     * log10(1/(1-p)), so 90 %, 99 %, 99.9 % ... are evenly spaced and the tail is visible. The axis
     * shows plain numbers of nines: XChart's tick calculation can loop forever when tick labels come
     * from a formatting function, so there is none.
     */
    static void percentiles(Path file, String title, Map<String, Histogram> histograms) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("percentile, in nines: 1 = 90%, 2 = 99%, 3 = 99.9%, 4 = 99.99%, 5 = 99.999%")
                .yAxisTitle("round trip (µs)").build();
        style(chart);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        for (Map.Entry<String, Histogram> e : histograms.entrySet()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (HistogramIterationValue v : e.getValue().percentiles(5)) {
                double p = v.getPercentileLevelIteratedTo();
                if (p >= 100.0) {
                    break;
                }
                double nines = Math.log10(1 / (1 - p / 100));
                if (!Double.isFinite(nines)) {
                    // Levels within rounding of 100 % (millions of samples) have no place on the axis.
                    break;
                }
                xs.add(nines);
                ys.add(Math.max(0.001, v.getValueIteratedTo() / 1000.0));
            }
            if (!xs.isEmpty()) {
                chart.addSeries(e.getKey(), xs, ys).setMarker(SeriesMarkers.NONE);
            }
        }
        save(chart, file);
    }

    /**
     * Bars, one per category. No error bars: XChart draws them symmetric, which would show a
     * lopsided spread wrongly (even below zero); the report's tables give each spread.
     */
    static void bars(Path file, String title, String yTitle, List<String> categories, List<Double> values)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle)
                .build();
        style(chart);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.addSeries(yTitle, categories, values.stream().map(v -> Double.isFinite(v) && v > 0 ? v : 0.0).toList());
        save(chart, file);
    }

    /** Grouped bars: one group per category, one bar per series; missing figures draw no bar. */
    static void groupedBars(Path file, String title, String xTitle, String yTitle, List<String> categories,
            Map<String, List<Double>> series, boolean logarithmic) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart);
        double min = series.values().stream().flatMap(List::stream).filter(v -> Double.isFinite(v) && v > 0)
                .mapToDouble(Double::doubleValue).min().orElse(1);
        if (logarithmic) {
            // XChart draws log-scale bars from the axis minimum, which must be set and positive.
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        }
        double none = logarithmic ? Math.pow(10, Math.floor(Math.log10(min))) : 0.0;
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            chart.addSeries(e.getKey(), categories, e.getValue().stream()
                    .map(v -> Double.isFinite(v) && v > 0 ? v : none).toList());
        }
        save(chart, file);
    }

    /** Lines on log-log axes, e.g. latency against message size. */
    static void logLog(Path file, String title, String xTitle, String yTitle, List<Series> series) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart);
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        for (Series s : series) {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i]) && s.y()[i] > 0) {
                    points.add(new double[] {s.x()[i], s.y()[i]});
                }
            }
            if (!points.isEmpty()) {
                chart.addSeries(s.name(), points.stream().mapToDouble(p -> p[0]).toArray(),
                        points.stream().mapToDouble(p -> p[1]).toArray());
            }
        }
        save(chart, file);
    }

    /** Twelve colours that stay apart (XChart's default theme repeats after a few series). */
    private static final java.awt.Color[] PALETTE = {new java.awt.Color(0x1f77b4), new java.awt.Color(0xff7f0e),
        new java.awt.Color(0x2ca02c), new java.awt.Color(0xd62728), new java.awt.Color(0x9467bd),
        new java.awt.Color(0x8c564b), new java.awt.Color(0xe377c2), new java.awt.Color(0x7f7f7f),
        new java.awt.Color(0xbcbd22), new java.awt.Color(0x17becf), new java.awt.Color(0x000000),
        new java.awt.Color(0xaec7e8)};

    private static void style(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
        Styler s = chart.getStyler();
        s.setSeriesColors(PALETTE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(java.awt.Color.WHITE);
        s.setPlotBackgroundColor(java.awt.Color.WHITE);
        s.setAntiAlias(true);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        } catch (RuntimeException e) {
            Files.deleteIfExists(file);
            throw new IOException("cannot draw " + file.getFileName() + ": " + e, e);
        }
    }
}
