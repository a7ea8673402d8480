package io.rnn4j.jmh.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws a grouped bar chart PNG from a TSV written by {@code bench/jmh_report.py}: lines of
 * {@code category<TAB>series<TAB>value}; a first line {@code #title<TAB>value-axis label}.
 * Usage: {@code java -cp jmh/target/benchmarks.jar io.rnn4j.jmh.report.Chart in.tsv out.png}.
 */
public final class Chart {
    private Chart() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Chart in.tsv out.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        String title = "rnn4j";
        String axis = "value";
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.POSITIVE_INFINITY, max = 0;
        for (String line : lines) {
            String[] f = line.split("\t");
            if (line.startsWith("#")) {
                title = f[0].substring(1);
                axis = f.length > 1 ? f[1] : axis;
            } else if (f.length == 3) {
                double v = Double.parseDouble(f[2]);
                data.addValue(v, f[1], f[0]);
                if (v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, axis, data, PlotOrientation.VERTICAL, true, false, false);
        chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        if (max > 50 * min) {
            // values spanning orders of magnitude (ms from batch 1 to units 1024, or the java
            // reference next to simd): a linear axis would flatten all but the largest bars
            LogarithmicAxis log = new LogarithmicAxis(axis + " (log scale)");
            log.setStrictValuesFlag(false);
            chart.getCategoryPlot().setRangeAxis(log);
        }
        int width = Math.max(900, 60 * data.getColumnCount() * Math.max(1, data.getRowCount()) / 2);
        ChartUtils.saveChartAsPNG(new File(args[1]), chart, width, 600);
        System.out.println("wrote " + args[1]);
    }
}
