package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.cell.Float64Backend;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a whole layer's backward (dx, d initial states, d weights) against central finite
 * differences with the layer running on the float64 backend, for a loss
 * {@code sum(R ⊙ output) + sum_k sum(R_k ⊙ state_k)}.
 */
final class LayerGradients {
    static final Float64Backend F64 = new Float64Backend();

    private LayerGradients() {
    }

    static Tensor random(SplittableRandom rnd, int... shape) {
        double[] v = new double[Tensor.sizeOf(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return F64.fromDoubles(v, shape);
    }

    static Tensor mask(SplittableRandom rnd, int b, int t) {
        double[] v = new double[b * t];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble() < 0.35 ? 0 : 1;
        }
        return F64.fromDoubles(v, b, t);
    }

    interface Forward {
        RnnResult run(Tensor x, List<Tensor> init, boolean training);
    }

    interface Backward {
        RnnGradients run(Tensor dOut, List<Tensor> dStates);
    }

    /** Returns the max relative error; asserts it is below {@code tol}. */
    static double check(Layer layer, Forward fwd, Backward bwd, Tensor x, List<Tensor> init, long seed, double tol) {
        SplittableRandom rnd = new SplittableRandom(seed);
        RnnResult r0 = fwd.run(x, init, true);
        Tensor rOut = random(rnd, r0.output().shape());
        List<Tensor> rStates = new ArrayList<>();
        for (Tensor s : r0.states()) {
            rStates.add(random(rnd, s.shape()));
        }
        for (Parameter p : layer.parameters()) {
            p.zeroGrad();
        }
        RnnGradients g = bwd.run(rOut, rStates);
        List<Tensor> targets = new ArrayList<>();
        List<double[]> analytic = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            targets.add(p.value());
            analytic.add(F64.data(p.grad()).clone());
            names.add(p.name());
        }
        targets.add(x);
        analytic.add(F64.data(g.dx()).clone());
        names.add("x");
        if (init != null) {
            for (int k = 0; k < init.size(); k++) {
                targets.add(init.get(k));
                analytic.add(F64.data(g.dInitialStates().get(k)).clone());
                names.add("state" + k);
            }
        }
        double eps = 1e-5, worst = 0;
        String at = "";
        for (int j = 0; j < targets.size(); j++) {
            double[] v = F64.data(targets.get(j));
            double[] a = analytic.get(j);
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + eps;
                double lp = loss(fwd, x, init, rOut, rStates);
                v[i] = keep - eps;
                double lm = loss(fwd, x, init, rOut, rStates);
                v[i] = keep;
                double num = (lp - lm) / (2 * eps);
                double err = Math.abs(num - a[i]) / Math.max(1e-3, Math.max(Math.abs(num), Math.abs(a[i])));
                if (err > worst || Double.isNaN(err)) {
                    worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                    at = names.get(j) + "[" + i + "] analytic " + a[i] + " numeric " + num;
                }
            }
        }
        assertTrue(worst < tol, layer.name() + ": max relative error " + worst + " at " + at);
        return worst;
    }

    private static double loss(Forward fwd, Tensor x, List<Tensor> init, Tensor rOut, List<Tensor> rStates) {
        RnnResult r = fwd.run(x, init, false);
        double l = dot(r.output(), rOut);
        for (int k = 0; k < rStates.size(); k++) {
            l += dot(r.states().get(k), rStates.get(k));
        }
        return l;
    }

    static double dot(Tensor a, Tensor b) {
        double[] x = F64.data(a), y = F64.data(b);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
