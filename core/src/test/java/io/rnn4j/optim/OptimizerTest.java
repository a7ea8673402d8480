package io.rnn4j.optim;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.layer.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each optimizer run for a few steps on a parameter with changing gradients, against the Keras 3
 * formulas written out here independently in double precision.
 */
class OptimizerTest {
    private static final Backend B = Backends.get("java");
    private static final int N = 7;
    private static final int STEPS = 4;

    private static float[] random(Random r, double scale) {
        float[] a = new float[N];
        for (int i = 0; i < N; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** Runs {@code opt} STEPS times with gradients grads[s]; returns the parameter after each step. */
    private static float[][] run(Optimizer opt, float[] p0, float[][] grads) {
        Parameter p = new Parameter("w", B.fromArray(p0, N));
        float[][] out = new float[STEPS][];
        for (int s = 0; s < STEPS; s++) {
            p.grad().backend().copyFromHost(grads[s], 0, p.grad(), 0, N);
            opt.apply(List.of(p));
            out[s] = p.value().toArray();
        }
        return out;
    }

    private static float[][] grads(Random r) {
        float[][] g = new float[STEPS][];
        for (int s = 0; s < STEPS; s++) {
            g[s] = random(r, 1.0);
        }
        return g;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), what + " element " + i);
        }
    }

    @Test
    void adamMatchesKerasFormula() {
        Random r = new Random(1);
        float[] p0 = random(r, 1);
        float[][] g = grads(r);
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
        float[][] got = run(new Adam(lr), p0, g);
        double[] p = new double[N], m = new double[N], v = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = p0[i];
        }
        for (int t = 1; t <= STEPS; t++) {
            for (int i = 0; i < N; i++) {
                double gi = g[t - 1][i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
                p[i] -= alpha * m[i] / (Math.sqrt(v[i]) + eps);
            }
            assertClose(p, got[t - 1], "Adam step " + t);
        }
    }

    @Test
    void adamDefaultsAreKeras() {
        assertEquals(0.001, new Adam().currentLearningRate(), 0);
        var c = new Adam().config();
        assertEquals(0.9f, c.get("beta_1"));
        assertEquals(0.999f, c.get("beta_2"));
        assertEquals(1e-7f, c.get("epsilon"));
        assertEquals(0.01, new Sgd().currentLearningRate(), 0);
        assertEquals(0.001, new RmsProp().currentLearningRate(), 0);
        assertEquals(0.9f, new RmsProp().config().get("rho"));
    }

    @Test
    void sgdPlainMomentumAndNesterov() {
        Random r = new Random(2);
        float[] p0 = random(r, 1);
        float[][] g = grads(r);
        double lr = 0.05, mu = 0.9;
        for (int variant = 0; variant < 3; variant++) {
            Optimizer opt = variant == 0 ? new Sgd(lr) : new Sgd(lr, mu, variant == 2);
            float[][] got = run(opt, p0, g);
            double[] p = new double[N], vel = new double[N];
            for (int i = 0; i < N; i++) {
                p[i] = p0[i];
            }
            for (int t = 0; t < STEPS; t++) {
                for (int i = 0; i < N; i++) {
                    double gi = g[t][i];
                    if (variant == 0) {
                        p[i] -= lr * gi;
                    } else {
                        vel[i] = mu * vel[i] - lr * gi;
                        p[i] += variant == 2 ? mu * vel[i] - lr * gi : vel[i];
                    }
                }
                assertClose(p, got[t], "SGD variant " + variant + " step " + t);
            }
        }
    }

    @Test
    void rmspropPlainAndMomentum() {
        Random r = new Random(3);
        float[] p0 = random(r, 1);
        float[][] g = grads(r);
        double lr = 0.01, rho = 0.9, eps = 1e-7;
        for (double mu : new double[] {0.0, 0.5}) {
            float[][] got = run(new RmsProp(lr, rho, mu, eps), p0, g);
            double[] p = new double[N], s = new double[N], mb = new double[N];
            for (int i = 0; i < N; i++) {
                p[i] = p0[i];
            }
            for (int t = 0; t < STEPS; t++) {
                for (int i = 0; i < N; i++) {
                    double gi = g[t][i];
                    s[i] = rho * s[i] + (1 - rho) * gi * gi;
                    double inc = lr * gi / Math.sqrt(s[i] + eps);
                    if (mu > 0) {
                        mb[i] = mu * mb[i] + inc;
                        p[i] -= mb[i];
                    } else {
                        p[i] -= inc;
                    }
                }
                assertClose(p, got[t], "RMSprop momentum " + mu + " step " + t);
            }
        }
    }

    @Test
    void kerasRmspropDocExample() {
        // Keras docstring: RMSprop(learning_rate=0.1), var 10, loss var^2/2 -> 9.683772 after one step.
        Parameter p = new Parameter("w", B.fromArray(new float[] {10f}, 1));
        B.copyFromHost(new float[] {10f}, 0, p.grad(), 0, 1);
        new RmsProp(0.1).apply(List.of(p));
        assertEquals(9.683772f, p.value().toArray()[0], 1e-6f);
    }

    @Test
    void clipByNormGlobalNormAndValue() {
        float[] g1 = {3f, 4f}; // norm 5
        float[] g2 = {0f, 12f}; // norm 12; global norm 13
        // clipnorm 2: each scaled to norm 2
        float[][] r = clipped(new Sgd(1.0).clipnorm(2.0), g1, g2);
        assertClose(new double[] {-3 * 2 / 5.0, -4 * 2 / 5.0}, r[0], "clipnorm g1");
        assertClose(new double[] {0, -2}, r[1], "clipnorm g2");
        r = clipped(new Sgd(1.0).globalClipnorm(6.5), g1, g2);
        assertClose(new double[] {-1.5, -2}, r[0], "global g1");
        assertClose(new double[] {0, -6}, r[1], "global g2");
        r = clipped(new Sgd(1.0).clipvalue(3.5), g1, g2);
        assertClose(new double[] {-3, -3.5}, r[0], "clipvalue g1");
        assertClose(new double[] {0, -3.5}, r[1], "clipvalue g2");
        // below the threshold nothing changes
        r = clipped(new Sgd(1.0).clipnorm(100), g1, g2);
        assertClose(new double[] {-3, -4}, r[0], "unclipped");
        assertThrows(IllegalArgumentException.class, () -> new Sgd(1.0).clipnorm(1).clipvalue(1));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(1.0).clipnorm(-1));
    }

    private static float[][] clipped(Optimizer opt, float[] g1, float[] g2) {
        Parameter a = new Parameter("a", B.zeros(2));
        Parameter b = new Parameter("b", B.zeros(2));
        B.copyFromHost(g1, 0, a.grad(), 0, 2);
        B.copyFromHost(g2, 0, b.grad(), 0, 2);
        opt.apply(List.of(a, b));
        return new float[][] {a.value().toArray(), b.value().toArray()};
    }

    @Test
    void weightDecayShrinksWeightsBeforeTheUpdate() {
        Random r = new Random(4);
        float[] p0 = random(r, 1);
        float[][] g = grads(r);
        double lr = 0.1, wd = 0.05;
        float[][] got = run(new Sgd(lr).weightDecay(wd), p0, g);
        double[] p = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = p0[i];
        }
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < N; i++) {
                p[i] -= p[i] * wd * lr;
                p[i] -= lr * g[t][i];
            }
            assertClose(p, got[t], "weight decay step " + t);
        }
        assertEquals(0.05, new Adam().weightDecay(0.05).config().get("weight_decay"));
        assertEquals(new Adam().weightDecay(0.05).config(),
                Optimizers.fromConfig("Adam", new Adam().weightDecay(0.05).config()).config());
    }

    @Test
    void exponentialDecaySchedule() {
        ExponentialDecay d = new ExponentialDecay(0.1, 10, 0.5);
        assertEquals(0.1, d.rate(0), 1e-15);
        assertEquals(0.1 * Math.pow(0.5, 0.5), d.rate(5), 1e-15);
        assertEquals(0.05, d.rate(10), 1e-15);
        ExponentialDecay s = new ExponentialDecay(0.1, 10, 0.5, true);
        assertEquals(0.1, s.rate(9), 1e-15);
        assertEquals(0.05, s.rate(19), 1e-15);
        // SGD with the schedule uses rate(iterations) for each update
        Sgd sgd = new Sgd(s, 0.0, false);
        Parameter p = new Parameter("w", B.zeros(1));
        for (int t = 0; t < 12; t++) {
            B.fill(p.grad(), 1f);
            sgd.apply(List.of(p));
        }
        assertEquals(-(10 * 0.1 + 2 * 0.05), p.value().toArray()[0], 1e-6);
    }

    @Test
    void rejectsBadHyperParameters() {
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.001, 1.0, 0.999, 1e-7));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 1.5, false));
        assertThrows(IllegalArgumentException.class, () -> new Adam(Double.NaN));
        Tensor unused = B.zeros(1);
        unused.close();
    }
}
