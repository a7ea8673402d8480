package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.layer.Parameter;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checks the backpropagation through time of any cell against central finite differences, in
 * float64, in one call:
 * <pre>{@code
 * GradientCheckReport r = GradientChecker.check(new MyCell(4), 3, 2, 5, 42L);   // inputSize 3, batch 2, time 5
 * assertTrue(r.passed(), r.toString());
 * }</pre>
 *
 * <p>How: the cell's weights are copied into a {@link Float64Backend}, and the cell runs over a
 * random sequence there (its recorded ops execute in double through the same Backend SPI as
 * always). The loss is {@code L = sum(R ⊙ outputs) + sum_k sum(R_k ⊙ finalState_k)} with fixed
 * random {@code R}, so every output and state path is exercised. The analytic gradient
 * (the recorded adjoints, in double) of every weight, every input value and every initial state
 * value is compared with {@code (L(θ+ε) - L(θ-ε)) / 2ε}, {@code ε = 1e-5}, computed from two
 * more float64 forward passes. In double the finite difference is accurate to about 1e-9 for
 * smooth cells, so the default tolerance of 1e-6 passes a correct adjoint with a wide margin and
 * fails a wrong one (a wrong adjoint is off by order 1). Finite differences are not valid at the
 * kinks of relu / hard_sigmoid: check such cells with inputs away from them or a looser tolerance.
 *
 * <p>The report also gives the difference between the gradients computed by the cell on its own
 * backend (float32) and the float64 analytic gradients, to catch a backend that runs the same ops
 * differently. The cell's own parameter gradients are restored afterwards.
 */
public final class GradientChecker {
    private final Cell cell;
    private int inputSize;
    private int batch = 2;
    private int time = 3;
    private long seed = 1;
    private boolean mask;
    private boolean goBackwards;
    private boolean zeroOutputForMask;
    private double dropout;
    private double epsilon = 1e-5;
    private double tolerance = 1e-6;

    private GradientChecker(Cell cell, int inputSize) {
        this.cell = cell;
        this.inputSize = inputSize;
    }

    /** Checks {@code cell} (built on the default backend if not built yet) on a random sequence. */
    public static GradientCheckReport check(Cell cell, int inputSize, int batch, int time, long seed) {
        return of(cell, inputSize).batch(batch).time(time).seed(seed).check();
    }

    /** A checker with options (masks, go_backwards, tolerance, ...). */
    public static GradientChecker of(Cell cell, int inputSize) {
        if (cell == null) {
            throw new IllegalArgumentException("GradientChecker: cell must not be null");
        }
        return new GradientChecker(cell, inputSize);
    }

    /** Batch size (default 2). */
    public GradientChecker batch(int b) {
        this.batch = positive(b, "batch");
        return this;
    }

    /** Time steps (default 3). */
    public GradientChecker time(int t) {
        this.time = positive(t, "time");
        return this;
    }

    /** Seed of the random inputs, states, masks and loss weights. */
    public GradientChecker seed(long s) {
        this.seed = s;
        return this;
    }

    /** Also use a random 0/1 timestep mask (Keras masking semantics). */
    public GradientChecker mask(boolean on) {
        this.mask = on;
        return this;
    }

    /** Process the sequence backwards. */
    public GradientChecker goBackwards(boolean on) {
        this.goBackwards = on;
        return this;
    }

    /** Masked steps output zeros. */
    public GradientChecker zeroOutputForMask(boolean on) {
        this.zeroOutputForMask = on;
        return this;
    }

    /** Applies fixed dropout masks of this rate (for the cell's dropout / recurrent_dropout code paths). */
    public GradientChecker dropout(double rate) {
        this.dropout = rate;
        return this;
    }

    /** Finite-difference step (default 1e-5). */
    public GradientChecker epsilon(double eps) {
        this.epsilon = eps;
        return this;
    }

    /** Pass bound of the maximum relative error (default 1e-6). */
    public GradientChecker tolerance(double tol) {
        this.tolerance = tol;
        return this;
    }

    /** Runs the check. */
    public GradientCheckReport check() {
        if (!cell.isBuilt()) {
            cell.build(Backends.current(), inputSize);
        } else if (cell.inputSize() != inputSize) {
            throw new IllegalArgumentException("GradientChecker: " + cell.name() + " was built for inputs of "
                    + cell.inputSize() + " features, the check asks for " + inputSize);
        }
        Float64Backend f64 = new Float64Backend();
        List<Weight> weights = cell.weights();
        Map<Weight, Parameter> bound = new IdentityHashMap<>();
        List<Parameter> params64 = new ArrayList<>();
        for (Weight w : weights) {
            Parameter p = cell.binding().get(w);
            Parameter q = new Parameter(w.name(), f64.fromArray(p.value().toArray(), w.shape()));
            bound.put(w, q);
            params64.add(q);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] sizes = cell.stateSizes();
        int out = cell.outputSize();
        Tensor x = f64.fromDoubles(uniform(rnd, batch * time * inputSize), batch, time, inputSize);
        Tensor[] init = new Tensor[sizes.length];
        Tensor[] rState = new Tensor[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            init[k] = f64.fromDoubles(uniform(rnd, batch * sizes[k]), batch, sizes[k]);
            rState[k] = f64.fromDoubles(uniform(rnd, batch * sizes[k]), batch, sizes[k]);
        }
        Tensor rOut = f64.fromDoubles(uniform(rnd, batch * time * out), batch, time, out);
        Tensor m = null;
        if (mask) {
            double[] mv = new double[batch * time];
            for (int i = 0; i < mv.length; i++) {
                mv[i] = rnd.nextDouble() < 0.35 ? 0 : 1;
            }
            m = f64.fromDoubles(mv, batch, time);
        }
        Map<Cell, Tensor[]> drop = null;
        if (DropoutMasks.active(dropout)) {
            drop = new IdentityHashMap<>();
            for (Cell c : DropoutMasks.leafCells(cell)) {
                int count = c.dropoutMaskCount(), in = c.inputSize(), s0 = c.stateSizes()[0];
                float[] buf = new float[batch * count * Math.max(in, s0)];
                Tensor dm = f64.zeros(batch, count * in), rdm = f64.zeros(batch, count * s0);
                DropoutMasks.draw(f64, rnd, dropout, batch, in, count, c.independentDropoutMasks(), buf, dm);
                DropoutMasks.draw(f64, rnd, dropout, batch, s0, count, c.independentDropoutMasks(), buf, rdm);
                drop.put(c, new Tensor[] {dm, rdm});
            }
        }

        SequenceRunner run64 = new SequenceRunner(cell, f64, bound);
        Tensor outputs = f64.zeros(batch, time, out);
        Tensor[] finals = new Tensor[sizes.length];
        Tensor[] dInit = new Tensor[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            finals[k] = f64.zeros(batch, sizes[k]);
            dInit[k] = f64.zeros(batch, sizes[k]);
        }
        Tensor dx = f64.zeros(batch, time, inputSize);
        run64.forward(x, init, m, drop, goBackwards, zeroOutputForMask, true, outputs, null, finals);
        run64.backward(rOut, rState, dx, dInit);

        // Every checked tensor with its analytic gradient (copied: later forwards reuse buffers).
        Map<String, Tensor> values = new LinkedHashMap<>();
        Map<String, double[]> analytic = new LinkedHashMap<>();
        for (int i = 0; i < weights.size(); i++) {
            String name = uniqueName(values, weights.get(i).name());
            values.put(name, params64.get(i).value());
            analytic.put(name, f64.data(params64.get(i).grad()).clone());
        }
        values.put("x", x);
        analytic.put("x", f64.data(dx).clone());
        for (int k = 0; k < sizes.length; k++) {
            values.put("state" + k, init[k]);
            analytic.put("state" + k, f64.data(dInit[k]).clone());
        }

        double worstErr = 0;
        String worstAt = "-";
        int checked = 0;
        Map<String, Double> perTensor = new LinkedHashMap<>();
        Tensor[] lossBuf = {outputs};
        for (Map.Entry<String, Tensor> e : values.entrySet()) {
            double[] v = f64.data(e.getValue());
            double[] g = analytic.get(e.getKey());
            double tensorMax = 0;
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + epsilon;
                double lp = loss(f64, run64, x, init, m, drop, rOut, rState, lossBuf[0], finals);
                v[i] = keep - epsilon;
                double lm = loss(f64, run64, x, init, m, drop, rOut, rState, lossBuf[0], finals);
                v[i] = keep;
                double numeric = (lp - lm) / (2 * epsilon);
                double err = Math.abs(g[i] - numeric) / Math.max(1e-3, Math.max(Math.abs(g[i]), Math.abs(numeric)));
                tensorMax = Math.max(tensorMax, err);
                if (err > worstErr || Double.isNaN(err)) {
                    worstErr = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                    worstAt = e.getKey() + "[" + i + "] (analytic " + g[i] + ", numeric " + numeric + ")";
                }
                checked++;
            }
            perTensor.put(e.getKey(), tensorMax);
        }
        double f32 = float32Difference(f64, x, init, m, drop, rOut, rState, analytic, sizes);
        return new GradientCheckReport(worstErr, worstAt, perTensor, checked, f32, tolerance);
    }

    private double loss(Float64Backend f64, SequenceRunner run, Tensor x, Tensor[] init, Tensor m, Map<Cell, Tensor[]> drop,
                        Tensor rOut, Tensor[] rState, Tensor outputs, Tensor[] finals) {
        run.forward(x, init, m, drop, goBackwards, zeroOutputForMask, false, outputs, null, finals);
        double l = dot(f64.data(outputs), f64.data(rOut));
        for (int k = 0; k < finals.length; k++) {
            l += dot(f64.data(finals[k]), f64.data(rState[k]));
        }
        return l;
    }

    /** The cell's gradients on its own backend for the same data, compared with the float64 analytic ones. */
    private double float32Difference(Float64Backend f64, Tensor x, Tensor[] init, Tensor m, Map<Cell, Tensor[]> drop,
                                     Tensor rOut, Tensor[] rState, Map<String, double[]> analytic, int[] sizes) {
        Backend be = cell.backend();
        List<Parameter> ps = cell.parameters();
        List<float[]> savedGrads = new ArrayList<>();
        for (Parameter p : ps) {
            savedGrads.add(p.grad().toArray());
            p.zeroGrad();
        }
        try {
            SequenceRunner run = new SequenceRunner(cell);
            Tensor xf = toBackend(be, x);
            Tensor[] initF = new Tensor[sizes.length], rStateF = new Tensor[sizes.length], dInit = new Tensor[sizes.length];
            for (int k = 0; k < sizes.length; k++) {
                initF[k] = toBackend(be, init[k]);
                rStateF[k] = toBackend(be, rState[k]);
                dInit[k] = be.zeros(batch, sizes[k]);
            }
            Tensor dx = be.zeros(batch, time, inputSize);
            Map<Cell, Tensor[]> dropF = null;
            if (drop != null) {
                dropF = new IdentityHashMap<>();
                for (Map.Entry<Cell, Tensor[]> e : drop.entrySet()) {
                    dropF.put(e.getKey(), new Tensor[] {toBackend(be, e.getValue()[0]), toBackend(be, e.getValue()[1])});
                }
            }
            run.forward(xf, initF, toBackend(be, m), dropF, goBackwards, zeroOutputForMask,
                    true, be.zeros(batch, time, cell.outputSize()), null, null);
            run.backward(toBackend(be, rOut), rStateF, dx, dInit);
            double worst = 0;
            List<double[]> got = new ArrayList<>();
            for (Parameter p : ps) {
                got.add(toDoubles(p.grad().toArray()));
            }
            got.add(toDoubles(dx.toArray()));
            for (int k = 0; k < sizes.length; k++) {
                got.add(toDoubles(dInit[k].toArray()));
            }
            int i = 0;
            for (double[] ref : analytic.values()) {
                double[] g = got.get(i++);
                for (int j = 0; j < ref.length; j++) {
                    worst = Math.max(worst, Math.abs(ref[j] - g[j]) / Math.max(1e-3, Math.abs(ref[j])));
                }
            }
            return worst;
        } finally {
            for (int i = 0; i < ps.size(); i++) {
                Tensor g = ps.get(i).grad();
                g.backend().copyFromHost(savedGrads.get(i), 0, g, 0, g.size());
            }
        }
    }

    private static Tensor toBackend(Backend be, Tensor t) {
        return t == null ? null : be.fromArray(t.toArray(), t.shape());
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static String uniqueName(Map<String, ?> seen, String name) {
        String n = name;
        for (int i = 1; seen.containsKey(n); i++) {
            n = name + "_" + i;
        }
        return n;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] uniform(SplittableRandom rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static int positive(int v, String what) {
        if (v <= 0) {
            throw new IllegalArgumentException("GradientChecker: " + what + " must be positive, got " + v);
        }
        return v;
    }
}
