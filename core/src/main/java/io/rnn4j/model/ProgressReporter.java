package io.rnn4j.model;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Shows {@code fit}'s progress. {@link #auto(PrintStream)} picks a per-epoch progress bar
 * (steps, ETA, loss, metrics; drawn by the {@code me.tongfei:progressbar} library) when the JVM
 * has a terminal and that optional library is on the class path, and otherwise one plain line
 * per epoch, which suits CI logs and files.
 */
public interface ProgressReporter {

    /** An epoch starts; it will run {@code steps} batches. Epochs count from 0. */
    void epochBegin(int epoch, int epochs, int steps);

    /** A batch finished; {@code logs} are the running means of this epoch. */
    void step(int step, Map<String, Double> logs);

    /** An epoch ended with its final logs (validation included) after {@code seconds}. */
    void epochEnd(int epoch, int epochs, Map<String, Double> logs, double seconds);

    /** Training ended (normally or by an exception): release what the reporter holds. */
    default void close() {
    }

    /** Prints nothing. */
    static ProgressReporter silent() {
        return new ProgressReporter() {
            @Override
            public void epochBegin(int epoch, int epochs, int steps) {
            }

            @Override
            public void step(int step, Map<String, Double> logs) {
            }

            @Override
            public void epochEnd(int epoch, int epochs, Map<String, Double> logs, double seconds) {
            }
        };
    }

    /** One line per epoch on {@code out} (Keras {@code verbose=2}). */
    static ProgressReporter lines(PrintStream out) {
        return new ProgressReporter() {
            private int steps;

            @Override
            public void epochBegin(int epoch, int epochs, int steps) {
                this.steps = steps;
            }

            @Override
            public void step(int step, Map<String, Double> logs) {
            }

            @Override
            public void epochEnd(int epoch, int epochs, Map<String, Double> logs, double seconds) {
                out.println("Epoch " + (epoch + 1) + "/" + epochs + " - " + steps + " steps - "
                        + String.format(Locale.ROOT, "%.2fs", seconds) + formatLogs(logs));
                out.flush();
            }
        };
    }

    /** A progress bar on a terminal when the optional library is present, else {@link #lines}. */
    static ProgressReporter auto(PrintStream out) {
        if (isTerminal() && TerminalProgress.available()) {
            return new TerminalProgress(out);
        }
        return lines(out);
    }

    /**
     * True when the JVM's console is an interactive terminal: {@code System.console()} is not null
     * and, on Java 22+ where a console may exist for redirected output, {@code Console.isTerminal()}.
     */
    static boolean isTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: a non-null console is a terminal
        }
    }

    /** {@code " - loss: 0.1234 - val_loss: 0.2345"}. */
    static String formatLogs(Map<String, Double> logs) {
        StringBuilder sb = new StringBuilder();
        logs.forEach((k, v) -> sb.append(" - ").append(k).append(": ").append(String.format(Locale.ROOT, "%.4g", v)));
        return sb.toString();
    }
}
