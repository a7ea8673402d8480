package io.rnn4j.backend.java;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.conformance.Compare;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every primitive of the java reference backend against plain double loops written here from
 * the SPI's formulas (BLAS semantics for gemm, Keras 3's formulas for activations and
 * optimizers). Bounds are the float32 rounding of one side only ({@code u = 2^-24}).
 */
class JavaBackendPrimitivesTest {
    private static final double U = 0x1p-24;
    private final JavaBackend be = new JavaBackend();

    private static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static DynamicTest test(String name, Executable body) {
        return DynamicTest.dynamicTest(name, body);
    }

    // ------------------------------------------------------------------ gemm

    @TestFactory
    Stream<DynamicTest> gemmMatchesDoubleLoops() {
        List<DynamicTest> t = new ArrayList<>();
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {7, 1, 13}, {1, 17, 5}, {5, 3, 0}, {0, 4, 2}, {19, 23, 29}};
        float[][] ab = {{1f, 0f}, {0.5f, 2f}, {-1.5f, -0.25f}, {1f, 1f}};
        for (int[] s : sizes) {
            for (int tr = 0; tr < 4; tr++) {
                for (float[] albe : ab) {
                    for (boolean padded : new boolean[] {false, true}) {
                        boolean ta = (tr & 1) != 0, tb = (tr & 2) != 0;
                        t.add(test("gemm transA=" + ta + " transB=" + tb + " m=" + s[0] + " n=" + s[1] + " k=" + s[2]
                                        + " alpha=" + albe[0] + " beta=" + albe[1] + (padded ? " lda>row, offsets" : ""),
                                () -> gemm(ta, tb, s[0], s[1], s[2], albe[0], albe[1], padded)));
                    }
                }
            }
        }
        return t.stream();
    }

    private void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, boolean padded) {
        SplittableRandom rnd = new SplittableRandom(m * 1000L + n * 10L + k);
        int lda = (ta ? m : k) + (padded ? 4 : 0), ldb = (tb ? k : n) + (padded ? 3 : 0), ldc = n + (padded ? 2 : 0);
        lda = Math.max(lda, 1);
        ldb = Math.max(ldb, 1);
        ldc = Math.max(ldc, 1);
        int offA = padded ? 5 : 0, offB = padded ? 1 : 0, offC = padded ? 3 : 0;
        float[] a = random(rnd, offA + (ta ? k : m) * lda + 2, 1);
        float[] b = random(rnd, offB + (tb ? n : k) * ldb + 2, 1);
        float[] c = random(rnd, offC + m * ldc + 2, 1);
        if (beta == 0f) {
            Arrays.fill(c, Float.NaN); // beta 0: C is never read, NaN must not leak
        }
        Tensor tc = be.fromArray(c, c.length);
        be.gemm(ta, tb, m, n, k, alpha, be.fromArray(a, a.length), offA, lda, be.fromArray(b, b.length), offB, ldb,
                beta, tc, offC, ldc);
        float[] got = tc.toArray();
        float[] want = c.clone();
        double[] bound = new double[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    double bv = tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    sum += av * bv;
                    abs += Math.abs(av * bv);
                }
                int ci = offC + i * ldc + j;
                double old = beta == 0f ? 0 : beta * (double) c[ci];
                want[ci] = (float) (alpha * sum + old);
                bound[ci] = (k + 2) * U * (Math.abs(alpha) * abs + Math.abs(old));
            }
        }
        Compare.assertWithin("C", want, got, bound);
    }

    @Test
    void gemmBoundsErrorsAreThrownBeforeAnythingIsWritten() {
        float[] init = random(new SplittableRandom(1), 20, 1);
        Tensor c = be.fromArray(init, 20), a = be.zeros(12), b = be.zeros(12);
        assertThrows(IllegalArgumentException.class, () -> be.gemm(false, false, 4, 5, 3, 1f, a, 0, 3, b, 0, 5, 0f, c, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> be.gemm(true, false, 4, 4, 3, 1f, a, 1, 4, b, 0, 4, 0f, c, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> be.gemm(false, true, 4, 4, 3, 1f, a, 0, 3, b, 1, 3, 0f, c, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> be.gemm(false, false, 4, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> be.gemm(false, false, 4, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, -1, 4));
        assertArrayEquals(init, c.toArray());
    }

    @Test
    void tensorsOfAnotherBackendAreRejectedNamingBoth() {
        JavaBackend other = new JavaBackend();
        Tensor mine = be.zeros(4), foreign = other.zeros(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.add(mine, foreign, mine));
        assertTrue(e.getMessage().contains("backend"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> be.gemm(false, false, 2, 2, 2, 1f, mine, 0, 2, mine, 0, 2, 0f, foreign, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> be.copy(foreign, 0, mine, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> be.activation(Activation.RELU, foreign, mine));
        assertThrows(IllegalArgumentException.class, () -> be.sgdUpdate(mine, foreign, null, 0.1f, 0f, false));
    }

    @Test
    void otherBadArgumentsAreRejectedBeforeAnythingIsWritten() {
        float[] init = {1f, 2f, 3f, 4f};
        Tensor out = be.fromArray(init, 4);
        assertThrows(IllegalArgumentException.class, () -> be.add(be.zeros(4), be.zeros(3), out));
        assertThrows(IllegalArgumentException.class, () -> be.clip(be.zeros(4), 1f, 0f, out));
        assertThrows(IllegalArgumentException.class, () -> be.copy2d(2, 3, be.zeros(6), 0, 3, out, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> be.copy2d(2, 2, be.zeros(6), 0, 1, out, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> be.copyFromHost(new float[8], 0, out, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> be.adamUpdate(out, be.zeros(4), be.zeros(4), be.zeros(4),
                1e-3f, 0.9f, 0.999f, 1e-7f, 0));
        assertThrows(IllegalArgumentException.class, () -> be.sumRows(be.zeros(7), 0f, out));
        assertThrows(IllegalArgumentException.class, () -> be.fromArray(new float[5], 2, 2));
        assertArrayEquals(init, out.toArray());
    }

    // ------------------------------------------------------------------ element-wise and activations

    private static double ref(Activation f, double x) {
        return switch (f) {
            case LINEAR -> x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case HARD_SIGMOID -> x != x ? x : Math.max(0, Math.min(1, (x + 3) / 6)); // Keras 3: relu6(x + 3) / 6
            case RELU -> x != x ? x : Math.max(0, x);
        };
    }

    private static double refDerivativeFromOutput(Activation f, double y) {
        return switch (f) {
            case LINEAR -> 1;
            case TANH -> 1 - y * y;
            case SIGMOID -> y * (1 - y);
            case HARD_SIGMOID -> (y > 0 && y < 1) ? 1.0 / 6 : 0;
            case RELU -> y > 0 ? 1 : 0;
        };
    }

    @TestFactory
    Stream<DynamicTest> activationsMatchDoubleFormulas() {
        float[] x = {0f, -0f, 1e-40f, -1e-40f, 1e-30f, 0.3f, -0.3f, 2.9999998f, -3f, 3f, 5f, -5f, 20f, -20f, 88.8f, -88.8f,
                -104f, 1e30f, -1e30f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 7.123f, -1.5f, 0.999f};
        List<DynamicTest> t = new ArrayList<>();
        for (Activation f : Activation.values()) {
            t.add(test("activation " + f.kerasName(), () -> {
                Tensor y = be.zeros(x.length);
                be.activation(f, be.fromArray(x, x.length), y);
                float[] want = new float[x.length];
                double[] bound = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    want[i] = (float) ref(f, x[i]);
                    bound[i] = 2 * Math.ulp(want[i]);
                }
                Compare.assertWithin(f.kerasName(), want, y.toArray(), bound);
            }));
            t.add(test("activationBackward " + f.kerasName() + " (derivative from the output)", () -> {
                SplittableRandom rnd = new SplittableRandom(3);
                float[] y = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    y[i] = (float) ref(f, x[i]);
                }
                float[] dy = random(rnd, x.length, 2), dx0 = random(rnd, x.length, 1);
                for (float beta : new float[] {0f, 0.5f}) {
                    float[] dxInit = beta == 0f ? nanArray(x.length) : dx0;
                    Tensor dx = be.fromArray(dxInit, x.length);
                    be.activationBackward(f, be.fromArray(y, y.length), be.fromArray(dy, dy.length), beta, dx);
                    float[] want = new float[x.length];
                    double[] bound = new double[x.length];
                    for (int i = 0; i < x.length; i++) {
                        double d = refDerivativeFromOutput(f, y[i]);
                        double old = beta == 0f ? 0 : beta * (double) dx0[i];
                        want[i] = (float) (old + dy[i] * d);
                        bound[i] = 4 * U * (Math.abs(old) + Math.abs(dy[i]) * (1 + (Float.isFinite(y[i]) ? y[i] * y[i] : 0)));
                    }
                    Compare.assertWithin(f.kerasName() + "' beta=" + beta, want, dx.toArray(), bound);
                }
            }));
        }
        return t.stream();
    }

    private static float[] nanArray(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    @Test
    void elementwiseOpsMatchDoubleFormulas() {
        SplittableRandom rnd = new SplittableRandom(2);
        int n = 37;
        float[] a = random(rnd, n, 3), b = random(rnd, n, 3);
        Tensor ta = be.fromArray(a, n), tb = be.fromArray(b, n), out = be.zeros(n);
        be.add(ta, tb, out);
        float[] add = out.toArray();
        be.sub(ta, tb, out);
        float[] sub = out.toArray();
        be.mul(ta, tb, out);
        float[] mul = out.toArray();
        be.axpby(0.75f, ta, -2f, tb, out);
        float[] axpby = out.toArray();
        be.axpby(0.75f, ta, 0f, be.fromArray(nanArray(n), n), out);
        float[] ax = out.toArray();
        be.clip(ta, -1f, 2f, out);
        float[] clip = out.toArray();
        for (int i = 0; i < n; i++) {
            assertEquals((float) ((double) a[i] + b[i]), add[i], 0f, "add");
            assertEquals((float) ((double) a[i] - b[i]), sub[i], 0f, "sub");
            assertEquals((float) ((double) a[i] * b[i]), mul[i], 0f, "mul");
            assertEquals(0.75 * a[i] - 2.0 * b[i], axpby[i], 2 * U * (Math.abs(0.75 * a[i]) + Math.abs(2.0 * b[i])), "axpby");
            assertEquals((float) (0.75 * a[i]), ax[i], 0f, "axpby beta=0 must not read y");
            assertEquals(Math.max(-1, Math.min(2, a[i])), clip[i], 0f, "clip");
        }
        float[] row = random(rnd, 5, 1);
        float[] m = random(rnd, 35, 1);
        Tensor o = be.zeros(7, 5);
        be.addRowVector(be.fromArray(m, 7, 5), be.fromArray(row, 5), o);
        float[] got = o.toArray();
        for (int i = 0; i < 35; i++) {
            assertEquals(m[i] + row[i % 5], got[i], 0f, "addRowVector");
        }
    }

    @Test
    void reductionsMatchDoubleSums() {
        SplittableRandom rnd = new SplittableRandom(4);
        int rows = 13, cols = 7;
        float[] m = random(rnd, rows * cols, 2);
        Tensor tm = be.fromArray(m, rows, cols);
        float[] start = random(rnd, Math.max(rows, cols), 1);
        Tensor cs = be.fromArray(Arrays.copyOf(start, cols), cols), rs = be.fromArray(Arrays.copyOf(start, rows), rows);
        be.sumRows(tm, 0.5f, cs);
        be.sumColumns(tm, 0.5f, rs);
        float[] gotC = cs.toArray(), gotR = rs.toArray();
        double total = 0, squares = 0;
        for (int c = 0; c < cols; c++) {
            double s = 0.5 * start[c];
            for (int r = 0; r < rows; r++) {
                s += m[r * cols + c];
            }
            assertEquals(s, gotC[c], 2 * U * (Math.abs(s) + 1), "sumRows column " + c);
        }
        for (int r = 0; r < rows; r++) {
            double s = 0.5 * start[r];
            for (int c = 0; c < cols; c++) {
                s += m[r * cols + c];
                total += m[r * cols + c];
                squares += (double) m[r * cols + c] * m[r * cols + c];
            }
            assertEquals(s, gotR[r], 2 * U * (Math.abs(s) + 1), "sumColumns row " + r);
        }
        assertEquals(total, be.sum(tm), 1e-12, "sum");
        assertEquals(squares, be.sumOfSquares(tm), 1e-12, "sumOfSquares");
        Tensor nanOut = be.fromArray(nanArray(cols), cols);
        be.sumRows(tm, 0f, nanOut);
        assertTrue(Float.isFinite(nanOut.toArray()[0]), "sumRows with beta 0 read its output");
    }

    // ------------------------------------------------------------------ optimizers (Keras 3 formulas)

    @Test
    void optimizerStepsMatchKerasFormulas() {
        SplittableRandom rnd = new SplittableRandom(6);
        int n = 11;
        float[] p0 = random(rnd, n, 1), g = random(rnd, n, 1), m0 = random(rnd, n, 0.1), v0 = random(rnd, n, 0.1);
        for (int i = 0; i < n; i++) {
            v0[i] = Math.abs(v0[i]);
        }
        // Adam, step 3
        Tensor p = be.fromArray(p0, n), m = be.fromArray(m0, n), v = be.fromArray(v0, n);
        be.adamUpdate(p, be.fromArray(g, n), m, v, 0.01f, 0.9f, 0.999f, 1e-7f, 3);
        float[] gp = p.toArray(), gm = m.toArray(), gv = v.toArray();
        double alpha = 0.01 * Math.sqrt(1 - Math.pow(0.999, 3)) / (1 - Math.pow(0.9, 3));
        for (int i = 0; i < n; i++) {
            double mm = m0[i] + (g[i] - m0[i]) * (1 - 0.9);
            double vv = v0[i] + ((double) g[i] * g[i] - v0[i]) * (1 - 0.999);
            double pp = p0[i] - alpha * mm / (Math.sqrt(vv) + 1e-7);
            assertEquals(mm, gm[i], 1e-6, "adam m");
            assertEquals(vv, gv[i], 1e-6, "adam v");
            assertEquals(pp, gp[i], 1e-6, "adam param");
        }
        // SGD with Nesterov momentum
        Tensor ps = be.fromArray(p0, n), vel = be.fromArray(m0, n);
        be.sgdUpdate(ps, be.fromArray(g, n), vel, 0.1f, 0.9f, true);
        float[] sp = ps.toArray(), sv = vel.toArray();
        for (int i = 0; i < n; i++) {
            double vv = 0.9 * m0[i] - 0.1 * g[i];
            assertEquals(vv, sv[i], 1e-6, "sgd velocity");
            assertEquals(p0[i] + 0.9 * vv - 0.1 * g[i], sp[i], 1e-6, "sgd nesterov param");
        }
        // RMSprop with momentum
        Tensor pr = be.fromArray(p0, n), s = be.fromArray(v0, n), mb = be.fromArray(m0, n);
        be.rmspropUpdate(pr, be.fromArray(g, n), s, mb, 0.01f, 0.9f, 0.5f, 1e-7f);
        float[] rp = pr.toArray(), rs = s.toArray(), rmb = mb.toArray();
        for (int i = 0; i < n; i++) {
            double ss = 0.9 * v0[i] + 0.1 * g[i] * (double) g[i];
            double inc = 0.01 * g[i] / Math.sqrt(ss + 1e-7);
            double b = 0.5 * m0[i] + inc;
            assertEquals(ss, rs[i], 1e-6, "rmsprop mean square");
            assertEquals(b, rmb[i], 1e-6, "rmsprop momentum");
            assertEquals(p0[i] - b, rp[i], 1e-6, "rmsprop param");
        }
    }

    // ------------------------------------------------------------------ memory

    @Test
    void copiesMoveExactlyTheRequestedBlock() {
        float[] src = random(new SplittableRandom(7), 30, 1);
        float[] dst0 = random(new SplittableRandom(8), 40, 1);
        Tensor d = be.fromArray(dst0, 40);
        be.copy2d(3, 4, be.fromArray(src, 30), 2, 9, d, 5, 11);
        float[] got = d.toArray();
        float[] want = dst0.clone();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                want[5 + r * 11 + c] = src[2 + r * 9 + c];
            }
        }
        assertArrayEquals(want, got);
        float[] host = new float[6];
        be.copyToHost(d, 5, host, 1, 4);
        assertArrayEquals(new float[] {0f, want[5], want[6], want[7], want[8], 0f}, host);
    }
}
