package io.rnn4j.simd;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vectorized exp / tanh / sigmoid against float64 references, measured in float32 ulps over a
 * dense sample of every float bit pattern (both signs, subnormals, huge values, infinities, NaN).
 */
class SimdActivationTest {
    private static final SimdBackend SIMD = new SimdBackend(1);
    private static final JavaBackend JAVA = new JavaBackend();
    /** Every 61st bit pattern: about 70 million floats, all exponents, both signs. */
    private static final int STRIDE = 61;
    private static final int CHUNK = 1 << 16;

    @AfterAll
    static void close() {
        SIMD.close();
    }

    /** An array loop of {@link VectorMath}: {@code y[0:n] = f(x[0:n])}. */
    private interface ArrayFn {
        void f(float[] x, int xo, float[] y, int yo, int n);
    }

    private interface RefFn {
        double f(double x);
    }

    /** Error of {@code got} in ulps of the correctly rounded float result of {@code exact}. */
    private static double ulps(float got, double exact) {
        float rounded = (float) exact;
        if (Double.isNaN(exact)) {
            return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(rounded) || Float.isNaN(got)) {
            return got == rounded ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - exact) / Math.ulp(rounded);
    }

    private static double maxUlps(ArrayFn fn, RefFn ref, String name) {
        float[] x = new float[CHUNK], y = new float[CHUNK];
        double worst = 0;
        float worstX = 0;
        long bits = 0;
        while (bits <= 0xFFFFFFFFL) {
            int n = 0;
            while (n < CHUNK && bits <= 0xFFFFFFFFL) {
                x[n++] = Float.intBitsToFloat((int) bits);
                bits += STRIDE;
            }
            fn.f(x, 0, y, 0, n); // the last chunk is not a whole number of vectors: its tail too
            for (int i = 0; i < n; i++) {
                double e = ulps(y[i], ref.f(x[i]));
                if (e > worst) {
                    worst = e;
                    worstX = x[i];
                }
            }
        }
        System.out.printf("%s: max error %.3f ulp at x = %s%n", name, worst, worstX);
        return worst;
    }

    private static double sigmoid(double x) {
        return Activation.SIGMOID.apply(x);
    }

    @Test
    void expWithinTwoUlpsEverywhere() {
        assertTrue(maxUlps(VectorMath::exp, Math::exp, "exp") <= 2.0);
    }

    @Test
    void tanhWithinTwoUlpsEverywhere() {
        assertTrue(maxUlps(VectorMath::tanh, Math::tanh, "tanh") <= 2.0);
    }

    @Test
    void sigmoidWithinThreeUlpsEverywhere() {
        assertTrue(maxUlps(VectorMath::sigmoid, SimdActivationTest::sigmoid, "sigmoid") <= 3.0);
    }

    @Test
    void specialValues() {
        float[] xs = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f, -1e-30f,
                88.7f, 89f, -87.4f, -103.9f, -104.5f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.55f, -0.55f, 9f, -9f, 20f};
        Tensor x = SIMD.fromArray(xs, xs.length), y = SIMD.zeros(xs.length);
        SIMD.activation(Activation.TANH, x, y);
        float[] t = y.toArray();
        SIMD.activation(Activation.SIGMOID, x, y);
        float[] s = y.toArray();
        for (int i = 0; i < xs.length; i++) {
            assertTrue(ulps(t[i], Math.tanh(xs[i])) <= 2, "tanh(" + xs[i] + ") = " + t[i]);
            assertTrue(ulps(s[i], sigmoid(xs[i])) <= 3, "sigmoid(" + xs[i] + ") = " + s[i]);
        }
        assertEquals(-0f, t[1]);
        assertEquals(Float.MIN_VALUE, t[2]);
        assertTrue(Float.isNaN(t[19]) && Float.isNaN(s[19]));
        assertEquals(1f, t[17]);
        assertEquals(-1f, t[18]);
        assertEquals(0f, s[18]);
        assertEquals(1f, s[17]);
        assertTrue(s[10] > 0f && s[10] < Float.MIN_NORMAL, "sigmoid(-87.4) is subnormal, got " + s[10]);
    }

    @Test
    void tensorActivationsAndBackwardMatchJavaBackend() {
        SplittableRandom r = new SplittableRandom(9);
        for (int n : new int[] {1, 15, 16, 17, 100, 1001}) {
            float[] xs = new float[n], dys = new float[n], dxs = new float[n];
            for (int i = 0; i < n; i++) {
                xs[i] = (float) (r.nextGaussian() * 4);
                dys[i] = (float) r.nextGaussian();
                dxs[i] = (float) r.nextGaussian();
            }
            for (Activation f : Activation.values()) {
                Tensor sx = SIMD.fromArray(xs, n), sy = SIMD.zeros(n);
                Tensor jx = JAVA.fromArray(xs, n), jy = JAVA.zeros(n);
                SIMD.activation(f, sx, sy);
                JAVA.activation(f, jx, jy);
                float[] a = sy.toArray(), b = jy.toArray();
                if (f == Activation.TANH || f == Activation.SIGMOID) {
                    for (int i = 0; i < n; i++) {
                        assertTrue(ulps(a[i], f.apply(xs[i])) <= 3, f + "(" + xs[i] + ") = " + a[i] + ", java " + b[i]);
                    }
                } else {
                    assertArrayEquals(b, a, f.toString());
                }
                for (float beta : new float[] {0f, 1f, 0.5f}) {
                    Tensor sdx = SIMD.fromArray(dxs, n), jdx = JAVA.fromArray(dxs, n);
                    SIMD.activationBackward(f, SIMD.fromArray(b, n),
                            SIMD.fromArray(dys, n), beta, sdx);
                    JAVA.activationBackward(f, jy, JAVA.fromArray(dys, n), beta, jdx);
                    assertArrayEquals(jdx.toArray(), sdx.toArray(), f + " backward beta=" + beta);
                }
            }
        }
    }
}
