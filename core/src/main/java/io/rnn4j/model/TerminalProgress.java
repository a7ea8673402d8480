package io.rnn4j.model;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The terminal progress bar, drawn by {@code me.tongfei:progressbar}. That library is an optional
 * dependency of {@code rnn4j-core}: this class is only loaded after {@link #available()} found it,
 * so core keeps no runtime dependency and users who want the bar add the library themselves.
 */
final class TerminalProgress implements ProgressReporter {
    private final PrintStream out;
    private ProgressBar bar;

    TerminalProgress(PrintStream out) {
        this.out = out;
    }

    /** True when the progressbar library can be loaded. */
    static boolean available() {
        try {
            Class.forName("me.tongfei.progressbar.ProgressBar", false, TerminalProgress.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public void epochBegin(int epoch, int epochs, int steps) {
        bar = new ProgressBarBuilder()
                .setTaskName("Epoch " + (epoch + 1) + "/" + epochs)
                .setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out))
                .setUpdateIntervalMillis(100)
                .build();
    }

    @Override
    public void step(int step, Map<String, Double> logs) {
        bar.stepTo(step + 1);
        bar.setExtraMessage(" " + ProgressReporter.formatLogs(logs).replaceFirst("^ - ", ""));
    }

    @Override
    public void epochEnd(int epoch, int epochs, Map<String, Double> logs, double seconds) {
        bar.setExtraMessage(" " + ProgressReporter.formatLogs(logs).replaceFirst("^ - ", "")
                + String.format(Locale.ROOT, " (%.2fs)", seconds));
        bar.close();
        bar = null;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
