package io.rnn4j.backend.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Element-wise comparisons whose failure message names what, where, both values and the bound. */
public final class Compare {
    private Compare() {
    }

    /**
     * Asserts {@code |got[i] - want[i]| <= rtol * (|want[i]| + max|want|) + atol} for every i,
     * NaN only where {@code want} has NaN. Relative to both the element and the largest element,
     * because float rounding errors scale with the magnitude of the terms that were summed, and
     * a small element is often the difference of large terms.
     */
    public static void assertClose(String what, double[] want, double[] got, double rtol, double atol) {
        if (want == null || got == null) {
            if (want != got) {
                fail(what + ": one side is missing (want " + (want == null ? "null" : "present")
                        + ", got " + (got == null ? "null" : "present") + ")");
            }
            return;
        }
        assertEquals(want.length, got.length, what + ": length");
        double max = 0;
        for (double w : want) {
            if (Double.isFinite(w)) {
                max = Math.max(max, Math.abs(w));
            }
        }
        for (int i = 0; i < want.length; i++) {
            double w = want[i], g = got[i];
            if (Double.isNaN(w) || Double.isNaN(g)) {
                if (Double.isNaN(w) != Double.isNaN(g)) {
                    fail(what + "[" + i + "]: got " + g + ", want " + w);
                }
                continue;
            }
            if (Double.isInfinite(w) || Double.isInfinite(g)) {
                if (w != g) {
                    fail(what + "[" + i + "]: got " + g + ", want " + w);
                }
                continue;
            }
            double bound = rtol * (Math.abs(w) + max) + atol;
            if (!(Math.abs(g - w) <= bound)) {
                fail(what + "[" + i + "]: got " + g + ", want " + w + " (|diff| " + Math.abs(g - w)
                        + " > bound " + bound + ")");
            }
        }
    }

    /** Compares every result of {@code want} with the same-named result of {@code got}. */
    public static void assertClose(String what, RnnResult want, RnnResult got, double rtol, double atol) {
        assertEquals(want.all().keySet(), got.all().keySet(), what + ": result names");
        for (var e : want.all().entrySet()) {
            assertClose(what + ": " + e.getKey(), e.getValue(), got.get(e.getKey()), rtol, atol);
        }
    }

    /**
     * Asserts {@code |got[i] - want[i]| <= bound[i]} for every i; NaN must meet NaN and an
     * infinity the same infinity. A bound of 0 demands equality (e.g. for memory that must not
     * be touched).
     */
    public static void assertWithin(String what, float[] want, float[] got, double[] bound) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            float w = want[i], g = got[i];
            if (Float.isNaN(w) || Float.isNaN(g)) {
                if (Float.isNaN(w) != Float.isNaN(g)) {
                    fail(what + "[" + i + "]: got " + g + ", want " + w);
                }
                continue;
            }
            if (Float.isInfinite(w) || Float.isInfinite(g)) {
                if (w != g) {
                    fail(what + "[" + i + "]: got " + g + ", want " + w);
                }
                continue;
            }
            double d = Math.abs((double) g - (double) w);
            if (!(d <= bound[i])) {
                fail(what + "[" + i + "]: got " + g + ", want " + w + " (|diff| " + d + " > bound " + bound[i] + ")");
            }
        }
    }
}
