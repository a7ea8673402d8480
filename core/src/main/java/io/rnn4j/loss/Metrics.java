package io.rnn4j.loss;

/**
 * Keras metrics: {@code accuracy} (resolved like Keras from the shapes: one output column is
 * binary accuracy at threshold 0.5, one target per row with several columns is sparse categorical
 * accuracy, equal widths is categorical accuracy), and the regression metrics {@code mae},
 * {@code mse}.
 */
public final class Metrics {
    private Metrics() {
    }

    /** Keras {@code "accuracy"}. */
    public static Metric accuracy() {
        return new Metric() {
            @Override
            public String name() {
                return "accuracy";
            }

            @Override
            public double[] sumAndCount(float[] yPred, float[] yTrue, int width, int targetWidth) {
                int rows = yPred.length / width;
                double hits = 0;
                if (width == 1) {
                    for (int r = 0; r < rows; r++) {
                        hits += ((yPred[r] > 0.5f) ? 1f : 0f) == yTrue[r] ? 1 : 0;
                    }
                    return new double[] {hits, rows};
                }
                for (int r = 0; r < rows; r++) {
                    int arg = argmax(yPred, r * width, width);
                    int label = targetWidth == 1 ? (int) yTrue[r] : argmax(yTrue, r * width, width);
                    hits += arg == label ? 1 : 0;
                }
                return new double[] {hits, rows};
            }
        };
    }

    /** Keras {@code "mae"}: mean absolute error as a metric. */
    public static Metric mae() {
        return lossMetric("mae", new MeanAbsoluteError());
    }

    /** Keras {@code "mse"}: mean squared error as a metric. */
    public static Metric mse() {
        return lossMetric("mse", new MeanSquaredError());
    }

    /** A metric by Keras name: {@code accuracy} / {@code acc}, {@code mae}, {@code mse}. */
    public static Metric get(String name) {
        return switch (name) {
            case "accuracy", "acc" -> accuracy();
            case "mae", "mean_absolute_error" -> mae();
            case "mse", "mean_squared_error" -> mse();
            default -> throw new IllegalArgumentException("unknown metric '" + name + "'; expected accuracy, mae or mse");
        };
    }

    /** Reports {@code loss} (averaged per row) under {@code name}. */
    public static Metric lossMetric(String name, Loss loss) {
        return new Metric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double[] sumAndCount(float[] yPred, float[] yTrue, int width, int targetWidth) {
                int rows = yPred.length / width;
                return new double[] {loss.compute(yPred, yTrue, width, null) * rows, rows};
            }
        };
    }

    private static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
