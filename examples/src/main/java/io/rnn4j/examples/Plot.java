package io.rnn4j.examples;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.DecimalFormat;

/** Writes the forecast-vs-actual PNG with JFreeChart. */
final class Plot {
    private Plot() {
    }

    static void forecast(Path png, double[] years, double[] actual, double[] lstm, double[] seasonal, String title)
            throws IOException {
        XYSeries a = new XYSeries("actual");
        XYSeries f = new XYSeries("LSTM forecast (one step ahead)");
        XYSeries s = new XYSeries("seasonal naive (same month last year)");
        for (int i = 0; i < years.length; i++) {
            a.add(years[i], actual[i]);
            f.add(years[i], lstm[i]);
            s.add(years[i], seasonal[i]);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(a);
        data.addSeries(f);
        data.addSeries(s);
        NumberAxis x = new NumberAxis("year");
        x.setAutoRangeIncludesZero(false);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        NumberAxis y = new NumberAxis("CO2 (ppm)");
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setSeriesPaint(0, Color.BLACK);
        r.setSeriesStroke(0, new BasicStroke(2.5f));
        r.setSeriesPaint(1, new Color(0xD62728));
        r.setSeriesStroke(1, new BasicStroke(2f));
        r.setSeriesPaint(2, new Color(0x7F7F7F));
        r.setSeriesStroke(2, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Path abs = png.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), ".plot", ".png");
        try {
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 1000, 550);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
