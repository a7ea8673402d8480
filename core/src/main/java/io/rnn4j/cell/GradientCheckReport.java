package io.rnn4j.cell;

import java.util.Map;

/**
 * The result of a {@link GradientChecker} run.
 *
 * @param maxRelativeError        the largest {@code |analytic - numeric| / max(|analytic|, |numeric|, floor)}
 *                                over every checked value, both in float64
 * @param worst                   where it occurred, e.g. {@code "kernel[5]"}, {@code "x[12]"}, {@code "state0[3]"}
 * @param perTensor               the largest relative error of each checked tensor
 * @param checked                 number of scalars checked
 * @param float32MaxRelativeError the largest relative difference between the cell's gradients on its
 *                                own (float32) backend and the float64 analytic gradients
 * @param tolerance               the bound {@link #passed()} compares against
 */
public record GradientCheckReport(double maxRelativeError, String worst, Map<String, Double> perTensor, int checked,
                                  double float32MaxRelativeError, double tolerance) {

    /** True if the float64 analytic gradient matches the finite differences within {@link #tolerance()}. */
    public boolean passed() {
        return maxRelativeError <= tolerance;
    }

    @Override
    public String toString() {
        return String.format("gradient check %s: max relative error %.3e at %s (tolerance %.1e, %d values; float32 path %.3e) %s",
                passed() ? "passed" : "FAILED", maxRelativeError, worst, tolerance, checked, float32MaxRelativeError, perTensor);
    }
}
