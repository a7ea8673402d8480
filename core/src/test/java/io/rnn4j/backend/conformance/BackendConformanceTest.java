package io.rnn4j.backend.conformance;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The backend conformance suite: every {@link Backend} operation, primitives and fused
 * recurrent kernels (forward and backward, every cell and option), run on the backend under
 * test and on a fresh {@link JavaBackend} (the reference) with the same random inputs, and
 * compared. A backend module runs it by subclassing (see {@code package-info}):
 * <pre>{@code
 * class SimdConformanceTest extends BackendConformanceTest {
 *     protected Backend backend() { return new SimdBackend(); }
 * }
 * }</pre>
 * {@link #backend()} is called once per test-class instance. Inputs have odd sizes (batch 1,
 * sizes that are not multiples of 8 or 16, blocks larger than a typical micro-kernel tile),
 * transposed and offset operands, leading dimensions larger than the row length with NaN in the
 * gaps (an implementation that reads them fails), NaN in outputs that {@code beta == 0} must not
 * read, and activations on very large, very small, negative, subnormal, infinite and NaN inputs.
 * Dynamic test names say which operation and which options failed.
 *
 * <p>Tolerances ({@code u = 2^-24}, the float32 unit roundoff) and why:
 * <ul>
 *   <li>gemm: {@code |got - want| <= 2 (k + 2) u (|alpha| sum_p |a_ip b_pj| + |beta c_ij|)} per
 *       element, the textbook bound {@code gamma_k} on a float32 dot product of length k, once
 *       for each side, so any summation order, blocking or FMA use passes and a wrong index does
 *       not. Memory outside C's block must be bit-identical (untouched).</li>
 *   <li>add, sub, mul, clip, fill, copies, addRowVector: exact (each is one correctly rounded
 *       operation or none). axpby: {@code 2u (|alpha x| + |beta y|)} (FMA may skip a rounding).</li>
 *   <li>activations: {@code 4 ulp(want) + Float.MIN_NORMAL}: DESIGN.md asks for
 *       {@code Math.tanh} and the exact sigmoid to a few ulps; the absolute floor forgives
 *       flushing subnormal results to zero. NaN must stay NaN. Derivatives:
 *       {@code 4u (|beta dx| + |dy| (1 + y^2)) + Float.MIN_NORMAL} ({@code 1 - y^2} cancels).</li>
 *   <li>reductions: {@code 2 (n + 2) u sum|m|} (a float accumulator may be used).</li>
 *   <li>optimizers: {@code 1e-6 (|want| + max|want|)} after three steps.</li>
 *   <li>fused recurrent kernels: {@code 5e-5 (|want| + max|want|) + 1e-6} per output and
 *       gradient tensor. The java backend stays within 4e-7 of this measure of an independent
 *       float64 reference on every case (checked to 2e-5 in {@code JavaRnnKernelsTest}); the
 *       bound leaves room for another summation order in the GEMMs, activations a few ulps
 *       off, and their growth through up to 7 recurrent steps, while a wrong formula, gate
 *       order, mask or dropout rule errs by O(max|want|).</li>
 * </ul>
 */
public abstract class BackendConformanceTest {
    private static final double U = 0x1p-24;
    /** Relative tolerance of the fused recurrent kernels (see the class comment). */
    protected static final double RNN_RTOL = 5e-5;
    /** Absolute tolerance of the fused recurrent kernels. */
    protected static final double RNN_ATOL = 1e-6;

    /** The reference backend, fresh for this test instance. */
    protected final JavaBackend reference = new JavaBackend();
    private Backend underTest;

    /** The backend under test; called once per test-class instance. */
    protected abstract Backend backend();

    /** The backend under test, created on first use. */
    protected final Backend be() {
        if (underTest == null) {
            underTest = backend();
            if (underTest == null) {
                throw new IllegalStateException(getClass().getName() + ".backend() returned null");
            }
        }
        return underTest;
    }

    // ------------------------------------------------------------------ helpers

    /** A tensor of {@code backend} holding a copy of host {@code data} (either backend, or any other). */
    public static Tensor tensor(Backend backend, float[] data, int... shape) {
        return backend.fromArray(data, shape);
    }

    /** A host copy of {@code t}'s elements. */
    public static float[] host(Tensor t) {
        return t.toArray();
    }

    /** Uniform random values in {@code [-scale, scale)}. */
    protected static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static float[] nans(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    private static double[] zeros(int n) {
        return new double[n];
    }

    private static DynamicTest test(String name, Executable body) {
        return DynamicTest.dynamicTest(name, body);
    }

    /** Lengths of element-wise tests: 1, odd, one past typical vector widths, and a long odd run. */
    private static final int[] LENGTHS = {1, 7, 17, 33, 1031};

    // ------------------------------------------------------------------ memory

    @TestFactory
    Stream<DynamicTest> memory() {
        List<DynamicTest> t = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(1);
        t.add(test("fromArray/toArray round trip and zeros", () -> {
            float[] d = random(rnd, 37, 3);
            d[3] = Float.NaN;
            d[5] = Float.NEGATIVE_INFINITY;
            d[7] = -0f;
            d[11] = 1e-40f;
            Tensor a = tensor(be(), d, 37);
            assertArrayEquals(d, host(a));
            assertArrayEquals(new float[35], host(be().zeros(5, 7)));
            assertArrayEquals(new int[] {5, 7}, be().zeros(5, 7).shape());
        }));
        t.add(test("copyToHost / copyFromHost with offsets", () -> {
            float[] d = random(rnd, 29, 1);
            Tensor a = tensor(be(), d, 29);
            float[] out = nans(20);
            be().copyToHost(a, 3, out, 2, 17);
            for (int i = 0; i < 17; i++) {
                assertEquals(d[3 + i], out[2 + i], 0f);
            }
            assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[19]), "copyToHost wrote outside its range");
            float[] src = random(rnd, 11, 1);
            be().copyFromHost(src, 1, a, 20, 9);
            float[] back = host(a);
            for (int i = 0; i < 29; i++) {
                assertEquals(i >= 20 ? src[1 + i - 20] : d[i], back[i], 0f, "element " + i);
            }
        }));
        t.add(test("copy with offsets", () -> {
            float[] s = random(rnd, 23, 1), d = random(rnd, 19, 1);
            Tensor ts = tensor(be(), s, 23), td = tensor(be(), d, 19);
            be().copy(ts, 5, td, 2, 13);
            Tensor rs = tensor(reference, s, 23), rd = tensor(reference, d, 19);
            reference.copy(rs, 5, rd, 2, 13);
            assertArrayEquals(host(rd), host(td));
        }));
        for (int[] c : new int[][] {{1, 1, 0, 1, 0, 1}, {5, 7, 3, 9, 2, 11}, {13, 17, 1, 17, 0, 20}, {3, 33, 7, 40, 5, 35}}) {
            int rows = c[0], cols = c[1], so = c[2], sld = c[3], dof = c[4], dld = c[5];
            t.add(test("copy2d " + rows + "x" + cols + " srcOffset=" + so + " srcLd=" + sld + " dstOffset=" + dof + " dstLd=" + dld, () -> {
                int sn = so + (rows - 1) * sld + cols + 2, dn = dof + (rows - 1) * dld + cols + 3;
                float[] s = random(rnd, sn, 1), d = random(rnd, dn, 1);
                Tensor td = tensor(be(), d, dn), rd = tensor(reference, d, dn);
                be().copy2d(rows, cols, tensor(be(), s, sn), so, sld, td, dof, dld);
                reference.copy2d(rows, cols, tensor(reference, s, sn), so, sld, rd, dof, dld);
                assertArrayEquals(host(rd), host(td));
            }));
        }
        t.add(test("fill", () -> {
            Tensor a = tensor(be(), random(rnd, 1031, 1), 1031);
            be().fill(a, -2.5f);
            float[] want = new float[1031];
            Arrays.fill(want, -2.5f);
            assertArrayEquals(want, host(a));
        }));
        t.add(test("concatColumns / splitColumns", () -> {
            int rows = 5;
            int[] widths = {3, 1, 7};
            Tensor[] parts = new Tensor[3], rparts = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                float[] d = random(rnd, rows * widths[i], 1);
                parts[i] = tensor(be(), d, rows, widths[i]);
                rparts[i] = tensor(reference, d, rows, widths[i]);
            }
            Tensor out = be().zeros(rows, 11), rout = reference.zeros(rows, 11);
            be().concatColumns(parts, out);
            reference.concatColumns(rparts, rout);
            assertArrayEquals(host(rout), host(out), "concatColumns");
            Tensor[] back = {be().zeros(rows, 3), be().zeros(rows, 1), be().zeros(rows, 7)};
            be().splitColumns(out, back);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(host(rparts[i]), host(back[i]), "splitColumns part " + i);
            }
        }));
        return t.stream();
    }

    // ------------------------------------------------------------------ gemm

    @TestFactory
    Stream<DynamicTest> gemm() {
        int[][] sizes = {{1, 1, 1}, {1, 7, 13}, {5, 3, 17}, {7, 5, 1}, {13, 17, 9}, {3, 5, 0}, {0, 5, 3}, {4, 0, 2},
                {33, 47, 65}, {67, 35, 129}};
        float[][] alphaBeta = {{1f, 0f}, {0.7f, -1.3f}, {1f, 1f}, {-2f, 0.5f}};
        List<DynamicTest> t = new ArrayList<>();
        long seed = 10;
        for (int[] s : sizes) {
            for (int tr = 0; tr < 4; tr++) {
                for (int ab = 0; ab < alphaBeta.length; ab++) {
                    for (boolean padded : new boolean[] {false, true}) {
                        if (s[0] * s[1] * s[2] > 10000 && (ab % 2 == 1 || !padded)) {
                            continue; // large blocks: fewer combinations keep the suite fast
                        }
                        boolean ta = (tr & 1) != 0, tb = (tr & 2) != 0;
                        float alpha = alphaBeta[ab][0], beta = alphaBeta[ab][1];
                        long sd = seed++;
                        String name = String.format("gemm %s%s m=%d n=%d k=%d alpha=%s beta=%s%s",
                                ta ? "Aᵀ" : "A", tb ? "Bᵀ" : "B", s[0], s[1], s[2], alpha, beta,
                                padded ? " ld>row offsets" : " tight");
                        t.add(test(name, () -> checkGemm(ta, tb, s[0], s[1], s[2], alpha, beta, padded, sd)));
                    }
                }
            }
        }
        return t.stream();
    }

    private void checkGemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, boolean padded, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int aRows = ta ? k : m, aCols = ta ? m : k;
        int bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = Math.max(1, aCols) + (padded ? 3 : 0), ldb = Math.max(1, bCols) + (padded ? 5 : 0);
        int ldc = Math.max(1, n) + (padded ? 2 : 0);
        int offA = padded ? 7 : 0, offB = padded ? 2 : 0, offC = padded ? 3 : 0;
        float[] a = block(rnd, offA, aRows, aCols, lda, padded ? 4 : 0);
        float[] b = block(rnd, offB, bRows, bCols, ldb, padded ? 1 : 0);
        float[] c = new float[offC + Math.max(0, m - 1) * ldc + n + (padded ? 6 : 0)];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, offC + i * ldc, offC + i * ldc + n, Float.NaN); // must not be read
            }
        }
        Tensor tc = tensor(be(), c, c.length);
        be().gemm(ta, tb, m, n, k, alpha, tensor(be(), a, a.length), offA, lda, tensor(be(), b, b.length), offB, ldb,
                beta, tc, offC, ldc);
        Tensor rc = tensor(reference, c, c.length);
        reference.gemm(ta, tb, m, n, k, alpha, tensor(reference, a, a.length), offA, lda,
                tensor(reference, b, b.length), offB, ldb, beta, rc, offC, ldc);
        double[] bound = new double[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    double bv = tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    abs += Math.abs(av * bv);
                }
                double cv = beta == 0f ? 0 : Math.abs(beta * c[offC + i * ldc + j]);
                bound[offC + i * ldc + j] = 2 * (k + 2) * U * (Math.abs(alpha) * abs + cv);
            }
        }
        Compare.assertWithin("C", host(rc), host(tc), bound);
    }

    /** A rows x cols block at offset with row stride ld; the gaps and the tail hold NaN, which must never be read. */
    private static float[] block(SplittableRandom rnd, int offset, int rows, int cols, int ld, int tail) {
        float[] d = nans(offset + Math.max(0, rows - 1) * ld + (rows > 0 ? cols : 0) + tail);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                d[offset + r * ld + j] = (float) (rnd.nextDouble() * 2 - 1);
            }
        }
        return d;
    }

    // ------------------------------------------------------------------ element-wise

    /** Runs {@code op} on both backends with tensors made from the same host arrays; returns {backend, reference} outputs. */
    private float[][] both(float[][] inputs, int outIndex, Consumer<Tensor[]> opUnderTest, Consumer<Tensor[]> opReference) {
        Tensor[] mine = new Tensor[inputs.length], ref = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            mine[i] = tensor(be(), inputs[i], inputs[i].length);
            ref[i] = tensor(reference, inputs[i], inputs[i].length);
        }
        opUnderTest.accept(mine);
        opReference.accept(ref);
        return new float[][] {host(mine[outIndex]), host(ref[outIndex])};
    }

    private static void exact(String what, float[][] gotWant) {
        Compare.assertWithin(what, gotWant[1], gotWant[0], zeros(gotWant[0].length));
    }

    @TestFactory
    Stream<DynamicTest> elementwise() {
        List<DynamicTest> t = new ArrayList<>();
        for (int n : LENGTHS) {
            SplittableRandom rnd = new SplittableRandom(n);
            float[] x = random(rnd, n, 2), y = random(rnd, n, 2), o = nans(n);
            x[0] = Float.NaN;
            t.add(test("add n=" + n, () -> exact("add", both(new float[][] {x, y, o}, 2,
                    a -> be().add(a[0], a[1], a[2]), a -> reference.add(a[0], a[1], a[2])))));
            t.add(test("sub n=" + n, () -> exact("sub", both(new float[][] {x, y, o}, 2,
                    a -> be().sub(a[0], a[1], a[2]), a -> reference.sub(a[0], a[1], a[2])))));
            t.add(test("mul n=" + n, () -> exact("mul", both(new float[][] {x, y, o}, 2,
                    a -> be().mul(a[0], a[1], a[2]), a -> reference.mul(a[0], a[1], a[2])))));
            t.add(test("add in place (out aliases a) n=" + n, () -> exact("add", both(new float[][] {x, y}, 0,
                    a -> be().add(a[0], a[1], a[0]), a -> reference.add(a[0], a[1], a[0])))));
            t.add(test("clip n=" + n, () -> exact("clip", both(new float[][] {x, o}, 1,
                    a -> be().clip(a[0], -0.5f, 1.25f, a[1]), a -> reference.clip(a[0], -0.5f, 1.25f, a[1])))));
            for (float[] ab : new float[][] {{0.75f, -1.5f}, {-2f, 0f}}) {
                float alpha = ab[0], beta = ab[1];
                float[] yy = beta == 0f ? nans(n) : y; // beta == 0: y is not read
                t.add(test("axpby alpha=" + alpha + " beta=" + beta + " n=" + n, () -> {
                    float[][] r = both(new float[][] {x, yy, o}, 2,
                            a -> be().axpby(alpha, a[0], beta, a[1], a[2]), a -> reference.axpby(alpha, a[0], beta, a[1], a[2]));
                    double[] bound = new double[n];
                    for (int i = 0; i < n; i++) {
                        bound[i] = 2 * U * (Math.abs(alpha * x[i]) + (beta == 0f ? 0 : Math.abs(beta * yy[i])));
                    }
                    Compare.assertWithin("axpby", r[1], r[0], bound);
                }));
            }
            float[] v = random(rnd, 7, 1);
            if (n % 7 == 0) {
                float[] m = random(rnd, n, 1);
                t.add(test("addRowVector " + (n / 7) + "x7", () -> {
                    Tensor tm = tensor(be(), m, n / 7, 7), to = be().zeros(n / 7, 7);
                    be().addRowVector(tm, tensor(be(), v, 7), to);
                    Tensor rm = tensor(reference, m, n / 7, 7), ro = reference.zeros(n / 7, 7);
                    reference.addRowVector(rm, tensor(reference, v, 7), ro);
                    exact("addRowVector", new float[][] {host(to), host(ro)});
                }));
            }
        }
        return t.stream();
    }

    /** Activation inputs: special values first, then random ones on several scales; an odd count. */
    static float[] activationInputs() {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -1e-40f, Float.MIN_NORMAL, 1e-30f, -1e-30f,
                1e-8f, -1e-8f, 0.5f, -0.5f, 1f, -1f, 2.9999998f, 3f, -3f, 3.0000002f, -3.0000002f, 6f, 8.9f, 9.1f, 15f, -15f,
                17f, -17f, 20f, -20f, 44f, -44f, 87f, -87f, 88.8f, -88.8f, 89f, -104f, 1e4f, -1e4f, 1e30f, -1e30f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        SplittableRandom rnd = new SplittableRandom(77);
        float[] x = Arrays.copyOf(special, special.length + 1031 + 257);
        for (int i = special.length; i < special.length + 1031; i++) {
            x[i] = (float) ((rnd.nextDouble() * 2 - 1) * 10);
        }
        for (int i = special.length + 1031; i < x.length; i++) {
            x[i] = (float) ((rnd.nextDouble() * 2 - 1) * 100);
        }
        return x;
    }

    @TestFactory
    Stream<DynamicTest> activations() {
        List<DynamicTest> t = new ArrayList<>();
        float[] x = activationInputs();
        int n = x.length;
        for (Activation f : Activation.values()) {
            t.add(test("activation " + f.kerasName() + " on large, small, negative, subnormal, infinite and NaN inputs (n=" + n + ")", () -> {
                float[][] r = both(new float[][] {x, nans(n)}, 1, a -> be().activation(f, a[0], a[1]),
                        a -> reference.activation(f, a[0], a[1]));
                double[] bound = new double[n];
                for (int i = 0; i < n; i++) {
                    bound[i] = 4 * Math.ulp(r[1][i]) + Float.MIN_NORMAL;
                }
                Compare.assertWithin("activation " + f.kerasName() + " (inputs: special values first, see activationInputs)",
                        r[1], r[0], bound);
            }));
            t.add(test("activation " + f.kerasName() + " in place", () -> {
                float[][] r = both(new float[][] {x}, 0, a -> be().activation(f, a[0], a[0]),
                        a -> reference.activation(f, a[0], a[0]));
                double[] bound = new double[n];
                for (int i = 0; i < n; i++) {
                    bound[i] = 4 * Math.ulp(r[1][i]) + Float.MIN_NORMAL;
                }
                Compare.assertWithin("activation " + f.kerasName(), r[1], r[0], bound);
            }));
            for (float beta : new float[] {0f, 0.5f}) {
                t.add(test("activationBackward " + f.kerasName() + " beta=" + beta, () -> {
                    Tensor tx = tensor(reference, x, n), ty = reference.zeros(n);
                    reference.activation(f, tx, ty);
                    float[] y = host(ty); // outputs of f, saturated ones included
                    SplittableRandom rnd = new SplittableRandom(5);
                    float[] dy = random(rnd, n, 2);
                    float[] dx = beta == 0f ? nans(n) : random(rnd, n, 1);
                    float[][] r = both(new float[][] {y, dy, dx}, 2,
                            a -> be().activationBackward(f, a[0], a[1], beta, a[2]),
                            a -> reference.activationBackward(f, a[0], a[1], beta, a[2]));
                    double[] bound = new double[n];
                    for (int i = 0; i < n; i++) {
                        double yy = Float.isFinite(y[i]) ? (double) y[i] * y[i] : 0;
                        bound[i] = 4 * U * ((beta == 0f ? 0 : Math.abs(beta * dx[i])) + Math.abs(dy[i]) * (1 + yy))
                                + Float.MIN_NORMAL;
                    }
                    Compare.assertWithin("activationBackward " + f.kerasName(), r[1], r[0], bound);
                }));
            }
        }
        return t.stream();
    }

    // ------------------------------------------------------------------ reductions

    @TestFactory
    Stream<DynamicTest> reductions() {
        List<DynamicTest> t = new ArrayList<>();
        int[][] shapes = {{1, 1}, {1, 17}, {13, 1}, {7, 5}, {33, 17}, {131, 9}};
        for (int[] s : shapes) {
            int rows = s[0], cols = s[1];
            SplittableRandom rnd = new SplittableRandom(rows * 100L + cols);
            float[] m = random(rnd, rows * cols, 3);
            for (float beta : new float[] {0f, 0.5f}) {
                t.add(test("sumRows " + rows + "x" + cols + " beta=" + beta, () -> {
                    float[] out = beta == 0f ? nans(cols) : random(new SplittableRandom(3), cols, 1);
                    float[][] r = both(new float[][] {m, out}, 1, a -> be().sumRows(a[0], beta, a[1]),
                            a -> reference.sumRows(a[0], beta, a[1]));
                    double[] bound = new double[cols];
                    for (int c = 0; c < cols; c++) {
                        double abs = beta == 0f ? 0 : Math.abs(beta * out[c]);
                        for (int i = 0; i < rows; i++) {
                            abs += Math.abs(m[i * cols + c]);
                        }
                        bound[c] = 2 * (rows + 2) * U * abs;
                    }
                    Compare.assertWithin("sumRows", r[1], r[0], bound);
                }));
                t.add(test("sumColumns " + rows + "x" + cols + " beta=" + beta, () -> {
                    float[] out = beta == 0f ? nans(rows) : random(new SplittableRandom(4), rows, 1);
                    float[][] r = both(new float[][] {m, out}, 1, a -> be().sumColumns(a[0], beta, a[1]),
                            a -> reference.sumColumns(a[0], beta, a[1]));
                    double[] bound = new double[rows];
                    for (int i = 0; i < rows; i++) {
                        double abs = beta == 0f ? 0 : Math.abs(beta * out[i]);
                        for (int c = 0; c < cols; c++) {
                            abs += Math.abs(m[i * cols + c]);
                        }
                        bound[i] = 2 * (cols + 2) * U * abs;
                    }
                    Compare.assertWithin("sumColumns", r[1], r[0], bound);
                }));
            }
            t.add(test("sum and sumOfSquares " + rows + "x" + cols, () -> {
                double abs = 0, sq = 0;
                for (float v : m) {
                    abs += Math.abs(v);
                    sq += (double) v * v;
                }
                int len = m.length;
                double s1 = be().sum(tensor(be(), m, len)), s2 = be().sumOfSquares(tensor(be(), m, len));
                double r1 = reference.sum(tensor(reference, m, len)), r2 = reference.sumOfSquares(tensor(reference, m, len));
                assertEquals(r1, s1, 2 * (len + 2) * U * abs, "sum");
                assertEquals(r2, s2, 2 * (len + 2) * U * sq, "sumOfSquares");
            }));
        }
        t.add(test("sum of a tensor holding NaN is NaN, holding Inf is infinite", () -> {
            float[] d = {1f, Float.NaN, 2f};
            assertTrue(Double.isNaN(be().sum(tensor(be(), d, 3))), "sum with NaN");
            assertTrue(Double.isInfinite(be().sum(tensor(be(), new float[] {1f, Float.POSITIVE_INFINITY}, 2))), "sum with Inf");
        }));
        return t.stream();
    }

    // ------------------------------------------------------------------ optimizers

    @TestFactory
    Stream<DynamicTest> optimizers() {
        List<DynamicTest> t = new ArrayList<>();
        for (int n : new int[] {1, 17, 1031}) {
            t.add(test("adamUpdate x3 n=" + n, () -> optimizer(n, (be, s) -> {
                for (int step = 1; step <= 3; step++) {
                    be.adamUpdate(s[0], s[1], s[2], s[3], 1e-2f, 0.9f, 0.999f, 1e-7f, step);
                }
            })));
            for (float momentum : new float[] {0f, 0.9f}) {
                for (boolean nesterov : momentum == 0f ? new boolean[] {false} : new boolean[] {false, true}) {
                    t.add(test("sgdUpdate x3 momentum=" + momentum + " nesterov=" + nesterov + " n=" + n, () -> optimizer(n, (be, s) -> {
                        for (int step = 0; step < 3; step++) {
                            be.sgdUpdate(s[0], s[1], momentum == 0f ? null : s[2], 0.05f, momentum, nesterov);
                        }
                    })));
                }
                t.add(test("rmspropUpdate x3 momentum=" + momentum + " n=" + n, () -> optimizer(n, (be, s) -> {
                    for (int step = 0; step < 3; step++) {
                        be.rmspropUpdate(s[0], s[1], s[2], momentum == 0f ? null : s[3], 1e-2f, 0.9f, momentum, 1e-7f);
                    }
                })));
            }
        }
        return t.stream();
    }

    private void optimizer(int n, java.util.function.BiConsumer<Backend, Tensor[]> steps) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[][] init = {random(rnd, n, 1), random(rnd, n, 1), random(rnd, n, 0.1), new float[n]};
        for (int i = 0; i < n; i++) {
            init[2][i] = Math.abs(init[2][i]);  // second moments / mean squares are non-negative
        }
        Tensor[] mine = new Tensor[4], ref = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            mine[i] = tensor(be(), i == 3 ? new float[n] : init[i], n);
            ref[i] = tensor(reference, i == 3 ? new float[n] : init[i], n);
        }
        steps.accept(be(), mine);
        steps.accept(reference, ref);
        String[] names = {"param", "grad", "state 1", "state 2"};
        for (int i = 0; i < 4; i++) {
            float[] w = host(ref[i]);
            double[] wd = new double[n], gd = new double[n];
            float[] g = host(mine[i]);
            for (int j = 0; j < n; j++) {
                wd[j] = w[j];
                gd[j] = g[j];
            }
            Compare.assertClose(names[i], wd, gd, 1e-6, 0);
        }
    }

    // ------------------------------------------------------------------ fused recurrent kernels

    /** Forward (training) and backward of every case of {@link RnnCases}, compared with the java backend. */
    @TestFactory
    Stream<DynamicTest> rnnForwardAndBackward() {
        return RnnCases.all().stream().map(c -> test("rnn " + c.name, () ->
                Compare.assertClose(c.name, c.run(reference), c.run(be()), RNN_RTOL, RNN_ATOL)));
    }

    /** Inference forward ({@code training == false}) of every case. */
    @TestFactory
    Stream<DynamicTest> rnnInferenceForward() {
        return RnnCases.all().stream().map(c -> test("rnn inference " + c.name, () ->
                Compare.assertClose(c.name + " (training=false)", c.forward(reference, false), c.forward(be(), false),
                        RNN_RTOL, RNN_ATOL)));
    }

    /** A workspace reused for a second forward/backward gives the same results as a fresh one. */
    @TestFactory
    Stream<DynamicTest> rnnWorkspaceReuse() {
        return RnnCases.all().stream().filter(c -> c.mask != null && c.dropMask != null).map(c ->
                test("rnn workspace reused " + c.name, () ->
                        Compare.assertClose(c.name + " (2nd run on one workspace)", c.run(reference), c.run(be(), 2),
                                RNN_RTOL, RNN_ATOL)));
    }

    // ------------------------------------------------------------------ errors every backend shares

    private void rejects(String what, Executable call) {
        Throwable e = assertThrows(Throwable.class, call, what + ": expected an IllegalArgumentException");
        if (!(e instanceof IllegalArgumentException)) {
            fail(what + ": expected IllegalArgumentException, got " + e, e);
        }
    }

    @Test
    void tensorsOfAnotherBackendAreRejected() {
        Tensor mine = be().zeros(3, 3), foreign = reference.zeros(3, 3);
        rejects("gemm with a foreign A", () -> be().gemm(false, false, 3, 3, 3, 1f, foreign, 0, 3, mine, 0, 3, 0f, mine, 0, 3));
        rejects("gemm with a foreign C", () -> be().gemm(false, false, 3, 3, 3, 1f, mine, 0, 3, mine, 0, 3, 0f, foreign, 0, 3));
        rejects("add with a foreign input", () -> be().add(mine, foreign, mine));
        rejects("activation into a foreign output", () -> be().activation(Activation.TANH, mine, foreign));
        rejects("copy from a foreign tensor", () -> be().copy(foreign, 0, mine, 0, 9));
        rejects("copy2d into a foreign tensor", () -> be().copy2d(3, 3, mine, 0, 3, foreign, 0, 3));
        rejects("copyToHost of a foreign tensor", () -> be().copyToHost(foreign, 0, new float[9], 0, 9));
        rejects("sumRows of a foreign tensor", () -> be().sumRows(foreign, 0f, be().zeros(3)));
        rejects("adamUpdate with a foreign moment", () -> be().adamUpdate(mine, mine, foreign, mine, 1e-3f, 0.9f, 0.999f, 1e-7f, 1));
        RnnSpec spec = new RnnSpec(CellType.SIMPLE_RNN, 3, 3, Activation.TANH, Activation.SIGMOID, false, false);
        try (RnnWorkspace ws = be().rnnWorkspace(spec, 1, 3)) {
            Tensor out = be().zeros(1, 3, 3);
            RnnForwardArgs f = new RnnForwardArgs(reference.zeros(1, 3, 3), mine, mine, null, null, null, null, null, null,
                    false, false, true, out, be().zeros(1, 3), null);
            rejects("rnnForward with a foreign x", () -> be().rnnForward(spec, ws, f));
        }
    }

    @Test
    void outOfBoundsAccessIsRejectedBeforeAnythingIsWritten() {
        float[] init = random(new SplittableRandom(8), 12, 1);
        Tensor a = be().zeros(4, 3), b = be().zeros(3, 4);
        Tensor c = tensor(be(), init, 12);
        rejects("gemm with C block past the end", () -> be().gemm(false, false, 3, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 1, 4));
        rejects("gemm with A block past the end", () -> be().gemm(false, false, 3, 4, 3, 1f, a, 4, 3, b, 0, 4, 0f, c, 0, 4));
        rejects("gemm with transposed B past the end", () -> be().gemm(false, true, 3, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        rejects("gemm with lda smaller than the row", () -> be().gemm(false, false, 3, 4, 3, 1f, a, 0, 2, b, 0, 4, 0f, c, 0, 4));
        rejects("gemm with a negative offset", () -> be().gemm(false, false, 3, 4, 3, 1f, a, -1, 3, b, 0, 4, 0f, c, 0, 4));
        rejects("gemm with a negative size", () -> be().gemm(false, false, -1, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        rejects("copy past the end", () -> be().copy(a, 5, c, 0, 8));
        rejects("copy into past the end", () -> be().copy(a, 0, c, 5, 8));
        rejects("copy2d past the end", () -> be().copy2d(3, 3, a, 0, 3, c, 4, 4));
        rejects("copyFromHost past the end", () -> be().copyFromHost(new float[20], 0, c, 5, 8));
        rejects("copyToHost past the end", () -> be().copyToHost(c, 5, new float[20], 0, 8));
        rejects("add of different sizes", () -> be().add(a, be().zeros(5), c));
        assertArrayEquals(init, host(c), "a rejected call changed C");
    }

    @Test
    void rnnArgumentsOfWrongShapeAreRejected() {
        RnnSpec spec = new RnnSpec(CellType.LSTM, 3, 2, Activation.TANH, Activation.SIGMOID, true, false);
        try (RnnWorkspace ws = be().rnnWorkspace(spec, 2, 4)) {
            float[] init = new float[16];
            Arrays.fill(init, 5f);
            Tensor out = tensor(be(), init, 2, 4, 2);
            RnnForwardArgs bad = new RnnForwardArgs(be().zeros(2, 4, 3), be().zeros(2, 8), be().zeros(2, 8), be().zeros(8),
                    null, null, null, null, null, false, false, true, out, be().zeros(2, 2), be().zeros(2, 2));
            rejects("rnnForward with kernel (2, 8) instead of (3, 8)", () -> be().rnnForward(spec, ws, bad));
            RnnForwardArgs badMask = new RnnForwardArgs(be().zeros(2, 4, 3), be().zeros(3, 8), be().zeros(2, 8), be().zeros(8),
                    null, null, be().zeros(2, 5), null, null, false, false, true, out, be().zeros(2, 2), be().zeros(2, 2));
            rejects("rnnForward with mask (2, 5) for 4 steps", () -> be().rnnForward(spec, ws, badMask));
            assertArrayEquals(init, host(out), "a rejected rnnForward wrote its output");
        }
    }

    @Test
    void rnnBackwardNeedsTheTrainingForwardOfTheSameInputs() {
        RnnCase c = RnnCase.builder(CellType.GRU, 2, 3, 3, 2).build();
        RnnSpec spec = c.spec;
        try (RnnWorkspace ws = be().rnnWorkspace(spec, 2, 3)) {
            RnnForwardArgs f = new RnnForwardArgs(tensor(be(), c.x, 2, 3, 3), tensor(be(), c.kernel, 3, 6),
                    tensor(be(), c.recurrentKernel, 2, 6), tensor(be(), c.bias, 2, 6), null, null, null, null, null,
                    false, false, true, be().zeros(2, 3, 2), be().zeros(2, 2), null);
            RnnBackwardArgs b = new RnnBackwardArgs(be().zeros(2, 3, 2), null, null, null, null, null,
                    be().zeros(3, 6), be().zeros(2, 6), be().zeros(2, 6));
            assertThrows(IllegalStateException.class, () -> be().rnnBackward(spec, ws, f, b),
                    "rnnBackward before any training forward pass");
            be().rnnForward(spec, ws, f);
            RnnForwardArgs other = new RnnForwardArgs(tensor(be(), c.x, 2, 3, 3), f.kernel(), f.recurrentKernel(),
                    f.bias(), null, null, null, null, null, false, false, true, f.output(), f.finalH(), null);
            assertThrows(IllegalArgumentException.class, () -> be().rnnBackward(spec, ws, other, b),
                    "rnnBackward with another x tensor than the training forward pass");
            be().rnnBackward(spec, ws, f, b);
        }
    }

    @Test
    void rnnBackwardOfWrongGradientShapeIsRejected() {
        RnnCase c = RnnCase.builder(CellType.GRU, 2, 3, 3, 2).build();
        RnnSpec spec = c.spec;
        try (RnnWorkspace ws = be().rnnWorkspace(spec, 2, 3)) {
            RnnForwardArgs f = new RnnForwardArgs(tensor(be(), c.x, 2, 3, 3), tensor(be(), c.kernel, 3, 6),
                    tensor(be(), c.recurrentKernel, 2, 6), tensor(be(), c.bias, 2, 6), null, null, null, null, null,
                    false, false, true, be().zeros(2, 3, 2), be().zeros(2, 2), null);
            be().rnnForward(spec, ws, f);
            float[] start = random(new SplittableRandom(2), 18, 1);
            Tensor dk = tensor(be(), start, 3, 6);
            RnnBackwardArgs bad = new RnnBackwardArgs(be().zeros(2, 3, 2), null, null, null, null, null,
                    dk, be().zeros(2, 6), be().zeros(6));
            rejects("rnnBackward with dBias (6) instead of (2, 6)", () -> be().rnnBackward(spec, ws, f, bad));
            assertArrayEquals(start, host(dk), "a rejected rnnBackward changed dKernel");
        }
    }
}
