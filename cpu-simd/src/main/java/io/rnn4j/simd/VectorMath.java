package io.rnn4j.simd;

import io.rnn4j.backend.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized exp, tanh and sigmoid accurate to a few float32 ulps (measured: exp 0.91, tanh 1.57,
 * sigmoid 2.3 at most) over the whole float
 * range (huge, tiny, subnormal inputs and outputs; NaN propagates), and the other activations
 * with exactly the java backend's arithmetic.
 *
 * <ul>
 *   <li>exp: {@code x = n ln2 + r} with a two-part (Cody-Waite) ln2, {@code |r| <= ln2/2},
 *       a degree-6 near-minimax polynomial for {@code e^r}, and {@code 2^n} applied as two halves so
 *       results that are subnormal (down to {@code x = -103.97}) or overflow come out right with a
 *       single final rounding.</li>
 *   <li>tanh: for {@code |x| < 0.55} an odd near-minimax polynomial to {@code x^11} (no cancellation);
 *       above, {@code 1 - 2 / (e^{2|x|} + 1)}, where the subtraction loses nothing because the
 *       quotient is below 1/2.</li>
 *   <li>sigmoid: {@code 1 / (1 + e^{-x})} for {@code x >= 0} and {@code e^x / (1 + e^x)} below, so
 *       tiny (subnormal) outputs keep their precision.</li>
 * </ul>
 * No branch depends on the data, so subnormal inputs cost nothing extra.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = Gemm.S;
    private static final int VL = S.length();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final int ROUND_BITS = 0x4B400000;
    private static final float EXP_LO = -104f;
    private static final float EXP_HI = 89f;
    // The polynomials' coefficients are vectors, named by the power of r or x they end up on, so
    // that each block evaluates them as one straight FMA chain. A block must hold no loop: with
    // one (the Horner loop over a coefficient array it had), a block that got hot while C1 still
    // ran it could be compiled by C2 only on stack replacement at that loop, and in about one
    // launch in eight tanhBlock then stayed in C1's code for good, where every vector operation
    // allocates (180 MB per LSTM 64x100x128x256 inference call, 1.5-2.2x its time; session 19's
    // "slow fixture"). JFR's allocation samples and -XX:+PrintCompilation showed it.

    /**
     * {@code e^r ~ 1 + r + r^2 g(r)} on {@code |r| <= ln2/2}: g is the Chebyshev fit of degree 4
     * (near-minimax) to {@code (e^r - 1 - r) / r^2}, error 6.5e-8 in g, so at most 8e-9 in
     * {@code e^r}, a seventh of an ulp; the Taylor polynomial needs degree 7 for the same.
     * Coefficients from {@code cpu-simd/tools/activation_fits.py}, rounded to float.
     */
    private static final FloatVector E6 = FloatVector.broadcast(S, 0.0013926176f);
    private static final FloatVector E5 = FloatVector.broadcast(S, 0.008363173f);
    private static final FloatVector E4 = FloatVector.broadcast(S, 0.041666556f);
    private static final FloatVector E3 = FloatVector.broadcast(S, 0.16666578f);
    private static final FloatVector E2 = FloatVector.broadcast(S, 0.5f);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector TWO_TO_MINUS_25 = FloatVector.broadcast(S, 0x1p-25f);

    private static final float TANH_SMALL = 0.55f;
    /**
     * {@code tanh(x) ~ x + x^3 f(x^2)} for {@code |x| < TANH_SMALL}: f is the Chebyshev fit of
     * degree 4 in {@code s = x^2} (near-minimax) to {@code (tanh(x)/x - 1) / s} on
     * {@code [0, 0.55^2]}, error 1.3e-8 in f, at most 4e-9 relative in tanh; the Taylor series
     * needs ten terms (to x^21) for the same. From {@code cpu-simd/tools/activation_fits.py}.
     */
    private static final FloatVector T11 = FloatVector.broadcast(S, -0.0066102277f);
    private static final FloatVector T9 = FloatVector.broadcast(S, 0.021309389f);
    private static final FloatVector T7 = FloatVector.broadcast(S, -0.05390943f);
    private static final FloatVector T5 = FloatVector.broadcast(S, 0.13333113f);
    private static final FloatVector T3 = FloatVector.broadcast(S, -0.3333333f);

    private VectorMath() {
    }

    // Clamps as compare + blend: FloatVector.max / min carry Math.max's NaN and -0 rules, which
    // C2 emits as a multi-instruction sequence each on AVX-512; a compare is false for NaN, so NaN
    // still passes through. With the one-sided clamps of sigmoid and tanh this took them from
    // 0.72 to 0.46 and from 1.07 to 0.76 ns per element (1024 floats in L1, one thread).
    //
    // No method here takes or returns a vector: each function is an array loop over blocks that
    // load, compute and store one vector with all of the math written out, exp included. C2
    // stops inlining wherever the method it compiles reaches its node budget
    // (NodeCountInliningCutoff), and the fused cell steps inline a lot; a vector passed across
    // a call it did not inline is boxed on the heap. With exp as a vector helper, PrintInlining
    // showed it left out of an LSTM step's tanh loop in some compilations (about 40 boxed
    // vectors per row, 61 KB per step). A block left out costs a call, never an allocation.
    // The tail of a loop runs the same block on a zero-padded copy, not a masked copy of it:
    // masking every block took 1.2-1.3x the time.

    /** The zero-padded copy of a loop's last partial vector, per thread. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[VL]);

    private static final int EXP = 0, TANH = 1, SIGMOID = 2;

    /** {@code y[yo:yo+n] = e^x}, for every float {@code x}. */
    static void exp(float[] x, int xo, float[] y, int yo, int n) {
        blocks(EXP, x, xo, y, yo, n);
    }

    /** {@code y[yo:yo+n] = tanh(x)}. */
    static void tanh(float[] x, int xo, float[] y, int yo, int n) {
        blocks(TANH, x, xo, y, yo, n);
    }

    /** {@code y[yo:yo+n] = sigmoid(x)}. */
    static void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        blocks(SIGMOID, x, xo, y, yo, n);
    }

    /** Function {@code f} over {@code n} floats: whole vectors in place, the tail through this thread's zero-padded {@link #TAIL}. */
    private static void blocks(int f, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += VL) {
            block(f, x, xo + i, y, yo + i);
        }
        if (i < n) {
            float[] pad = TAIL.get();
            System.arraycopy(x, xo + i, pad, 0, n - i);
            java.util.Arrays.fill(pad, n - i, VL, 0f);
            block(f, pad, 0, pad, 0);
            System.arraycopy(pad, 0, y, yo + i, n - i);
        }
    }

    /** One vector of function {@code f} (a constant wherever C2 inlines this, so the switch folds away). */
    private static void block(int f, float[] x, int xi, float[] y, int yi) {
        switch (f) {
            case EXP -> expBlock(x, xi, y, yi);
            case TANH -> tanhBlock(x, xi, y, yi);
            default -> sigmoidBlock(x, xi, y, yi);
        }
    }

    /**
     * One vector of {@code e^x}: clamped to {@code [EXP_LO, EXP_HI]} (NaN kept), {@code x = k ln2 + r}
     * with the two-part ln2, the polynomial of {@code e^r}, and {@code 2^k} applied as two
     * halves. The same lines are written out in {@link #tanhBlock} and {@link #sigmoidBlock}.
     */
    private static void expBlock(float[] x, int xi, float[] y, int yi) {
        FloatVector v = FloatVector.fromArray(S, x, xi);
        v = v.blend(EXP_LO, v.lt(EXP_LO));
        v = v.blend(EXP_HI, v.compare(VectorOperators.GT, EXP_HI));
        FloatVector t = v.fma(LOG2E, ROUND);
        FloatVector nf = t.sub(ROUND);
        IntVector k = t.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector r = nf.fma(FloatVector.broadcast(S, -LN2_HI), v);
        r = nf.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = E6.fma(r, E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k.sub(k1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        p.mul(s1).mul(s2).intoArray(y, yi);
    }

    /**
     * One vector of tanh: {@code 1 - 2 / (e^{2|x|} + 1)}, or the odd series below
     * {@link #TANH_SMALL}; both on {@code |x|}, then x's sign bit ORed in (right for -0 and NaN).
     * Written compactly (no spare locals, {@code 2^k} in one step) to stay under C2's 325-byte
     * limit for inlining a hot call: at 385 bytes every block was a call.
     */
    private static void tanhBlock(float[] x, int xi, float[] y, int yi) {
        FloatVector v = FloatVector.fromArray(S, x, xi);
        FloatVector ax = v.abs();
        FloatVector w = ax.add(ax);
        w = w.blend(EXP_HI, w.compare(VectorOperators.GT, EXP_HI)); // 2|x| >= 0: only the upper clamp
        FloatVector t = w.fma(LOG2E, ROUND);                       // e^w, as in expBlock
        FloatVector nf = t.sub(ROUND);
        FloatVector r = nf.fma(FloatVector.broadcast(S, -LN2_LO), nf.fma(FloatVector.broadcast(S, -LN2_HI), w));
        FloatVector p = E6.fma(r, E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
        // w >= 0: no subnormal results, so 2^k in one step; the two halves give the same bits
        // for k <= 127, and at k = 128 inf instead of a float near the top, tanh 1 either way.
        FloatVector e = p.mul(t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        FloatVector big = ONE.sub(TWO.div(e.add(ONE)));
        FloatVector x2 = ax.mul(ax);
        FloatVector q = T11.fma(x2, T9).fma(x2, T7).fma(x2, T5).fma(x2, T3);
        big.blend(ax.fma(x2.mul(q), ax), ax.lt(TANH_SMALL)).reinterpretAsInts()
                .or(v.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats().intoArray(y, yi);
    }

    /**
     * One vector of sigmoid: {@code 1 / (1 + e^{-x})} for {@code x >= 0} and {@code e^x / (1 + e^x)}
     * below, both from {@code e^{-|x|}}.
     */
    private static void sigmoidBlock(float[] x, int xi, float[] y, int yi) {
        FloatVector v = FloatVector.fromArray(S, x, xi);
        VectorMask<Float> negative = v.lt(0f);
        FloatVector w = v.abs().neg();
        w = w.blend(EXP_LO, w.lt(EXP_LO));                         // -|x| <= 0: only the lower clamp
        FloatVector t = w.fma(LOG2E, ROUND);                       // e^w, as in expBlock
        FloatVector nf = t.sub(ROUND);
        FloatVector r = nf.fma(FloatVector.broadcast(S, -LN2_HI), w);
        r = nf.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = E6.fma(r, E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
        // w >= -104, so k >= -150: 2^(k + 25) is a normal float and p 2^(k + 25) exact, and the
        // one rounding is the multiply by 2^-25, right for subnormal results too. The same bits
        // as expBlock's two halves, with two integer operations instead of six.
        FloatVector e = p.mul(t.reinterpretAsInts().sub(ROUND_BITS - 152).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats()).mul(TWO_TO_MINUS_25);
        ONE.blend(e, negative).div(e.add(ONE)).intoArray(y, yi);
    }

    /** {@code f'(x)} from {@code y = f(x)}, with exactly the java backend's float arithmetic. */
    static FloatVector derivative(Activation f, FloatVector y) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        return switch (f) {
            case LINEAR -> one;
            case TANH -> one.sub(y.mul(y));
            case SIGMOID -> y.mul(one.sub(y));
            case HARD_SIGMOID -> FloatVector.zero(S).blend(1f / 6f, y.compare(VectorOperators.GT, 0f).and(y.lt(1f)));
            case RELU -> FloatVector.zero(S).blend(1f, y.compare(VectorOperators.GT, 0f));
        };
    }

    /**
     * {@code out[oo:oo+n] = f'(x)} from {@code y[yo:yo+n] = f(x)}, as array loops for the same
     * reason as {@link #apply(Activation, float[], int, float[], int, int)}.
     */
    static void derivative(Activation f, float[] y, int yo, float[] out, int oo, int n) {
        switch (f) {
            case LINEAR -> java.util.Arrays.fill(out, oo, oo + n, 1f);
            case TANH -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (int i = 0; i < n; i += VL) {
                    VectorMask<Float> m = S.indexInRange(i, n);
                    FloatVector v = FloatVector.fromArray(S, y, yo + i, m);
                    one.sub(v.mul(v)).intoArray(out, oo + i, m);
                }
            }
            case SIGMOID -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (int i = 0; i < n; i += VL) {
                    VectorMask<Float> m = S.indexInRange(i, n);
                    FloatVector v = FloatVector.fromArray(S, y, yo + i, m);
                    v.mul(one.sub(v)).intoArray(out, oo + i, m);
                }
            }
            case HARD_SIGMOID, RELU -> {
                for (int i = 0; i < n; i++) {
                    out[oo + i] = io.rnn4j.backend.java.JavaBackend.derivative(f, y[yo + i]);
                }
            }
        }
    }

    /**
     * {@code y[yo:yo+n] = f(x[xo:xo+n])} ({@code y} may be {@code x}). Kernels call activations
     * only through these array loops, so no vector ever crosses a call (see {@link #tanh}).
     */
    static void apply(Activation f, float[] x, int xo, float[] y, int yo, int n) {
        switch (f) {
            case LINEAR -> {
                if (x != y || xo != yo) {
                    System.arraycopy(x, xo, y, yo, n);
                }
            }
            case TANH -> tanh(x, xo, y, yo, n);
            case SIGMOID -> sigmoid(x, xo, y, yo, n);
            case HARD_SIGMOID -> hardSigmoid(x, xo, y, yo, n);
            case RELU -> relu(x, xo, y, yo, n);
        }
    }

    /** Keras 3's {@code clip(x / 6 + 0.5, 0, 1)}, the java backend's float arithmetic. */
    private static void hardSigmoid(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).div(6f).add(0.5f).max(0f).min(1f).intoArray(y, yo + i, m);
        }
    }

    /** {@code max(x, 0)}; NaN stays NaN. */
    private static void relu(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).max(0f).intoArray(y, yo + i, m);
        }
    }

    /** {@code dx = beta dx + dy f'(y)} over {@code n} elements. */
    static void backward(Activation f, float[] y, float[] dy, float beta, float[] dx, int n) {
        int i = 0;
        for (; i < n; i += VL) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(S, dy, i, m).mul(derivative(f, FloatVector.fromArray(S, y, i, m)));
            if (beta != 0f) {
                g = FloatVector.fromArray(S, dx, i, m).mul(beta).add(g);
            }
            g.intoArray(dx, i, m);
        }
    }
}
