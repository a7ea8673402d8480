package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dense forward against a float64 reference, backward against central differences in float64. */
class DenseTest {
    private static final Backend B = Backends.get("java");

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Reference y = act(x·W + b) in double. */
    private static double[] reference(float[] x, int rows, int in, float[] w, float[] b, int units, Activation act) {
        double[] y = new double[rows * units];
        for (int r = 0; r < rows; r++) {
            for (int u = 0; u < units; u++) {
                double z = b[u];
                for (int i = 0; i < in; i++) {
                    z += (double) x[r * in + i] * w[i * units + u];
                }
                y[r * units + u] = act.apply(z);
            }
        }
        return y;
    }

    @Test
    void forwardMatchesReferenceIn2dAnd3d() {
        Random r = new Random(11);
        int in = 5, units = 3;
        Dense d = new Dense("d", units, Activation.TANH, true, 3L);
        d.build(B, new int[] {-1, in});
        float[] w = d.getWeights().get(0);
        float[] bias = random(r, units);
        d.setWeights(List.of(w, bias));
        float[] x = random(r, 2 * 4 * in);
        double[] ref = reference(x, 8, in, w, bias, units, Activation.TANH);
        float[] y3 = d.forward(B.fromArray(x, 2, 4, in), false).toArray();
        float[] y2 = d.forward(B.fromArray(x, 8, in), false).toArray();
        assertArrayEquals(y3, y2);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], y3[i], 1e-5);
        }
        assertArrayEquals(new int[] {-1, units}, d.outputShape(new int[] {-1, in}));
    }

    @Test
    void glorotUniformKernelZeroBias() {
        Dense d = new Dense("g", 40, Activation.LINEAR, true, 5L);
        d.build(B, new int[] {60});
        float[] k = d.getWeights().get(0);
        double limit = Math.sqrt(6.0 / 100);
        double max = 0;
        for (float v : k) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= limit && max > 0.9 * limit, "glorot limit " + limit + ", max " + max);
        assertArrayEquals(new float[40], d.getWeights().get(1));
        assertArrayEquals(new int[] {60, 40}, d.parameters().get(0).shape());
        Dense same = new Dense("g2", 40, Activation.LINEAR, true, 5L);
        same.build(B, new int[] {60});
        assertArrayEquals(k, same.getWeights().get(0), "same seed, same kernel");
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(12);
        for (Activation act : new Activation[] {Activation.LINEAR, Activation.TANH, Activation.SIGMOID}) {
            int rows = 3, in = 4, units = 3;
            Dense d = new Dense("fd", units, act, true, 9L);
            d.build(B, new int[] {in});
            float[] w = d.getWeights().get(0);
            float[] b = random(r, units);
            d.setWeights(List.of(w, b));
            float[] x = random(r, rows * in);
            float[] upstream = random(r, rows * units);
            // loss = sum(upstream * y)
            d.forward(B.fromArray(x, rows, in), true);
            for (Parameter p : d.parameters()) {
                p.zeroGrad();
            }
            float[] dx = d.backward(B.fromArray(upstream, rows, units)).toArray();
            float[] dw = d.parameters().get(0).grad().toArray();
            float[] db = d.parameters().get(1).grad().toArray();
            double h = 1e-4;
            for (int i = 0; i < x.length; i++) {
                assertEquals(fd(x, w, b, upstream, rows, in, units, act, 0, i, h), dx[i], 2e-4, act + " dx " + i);
            }
            for (int i = 0; i < w.length; i++) {
                assertEquals(fd(x, w, b, upstream, rows, in, units, act, 1, i, h), dw[i], 2e-4, act + " dW " + i);
            }
            for (int i = 0; i < b.length; i++) {
                assertEquals(fd(x, w, b, upstream, rows, in, units, act, 2, i, h), db[i], 2e-4, act + " db " + i);
            }
        }
    }

    /** Central difference of sum(upstream * y) in double, perturbing element i of x (0), W (1) or b (2). */
    private static double fd(float[] x, float[] w, float[] b, float[] up, int rows, int in, int units,
                             Activation act, int which, int i, double h) {
        double[] xd = toD(x), wd = toD(w), bd = toD(b);
        double[] target = which == 0 ? xd : which == 1 ? wd : bd;
        double orig = target[i];
        target[i] = orig + h;
        double plus = loss(xd, wd, bd, up, rows, in, units, act);
        target[i] = orig - h;
        double minus = loss(xd, wd, bd, up, rows, in, units, act);
        return (plus - minus) / (2 * h);
    }

    private static double loss(double[] x, double[] w, double[] b, float[] up, int rows, int in, int units, Activation act) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            for (int u = 0; u < units; u++) {
                double z = b[u];
                for (int i = 0; i < in; i++) {
                    z += x[r * in + i] * w[i * units + u];
                }
                s += up[r * units + u] * act.apply(z);
            }
        }
        return s;
    }

    private static double[] toD(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void badInput() {
        Dense d = new Dense("bad", 2, Activation.LINEAR, true, 1L);
        d.build(B, new int[] {3});
        var e = assertThrows(IllegalArgumentException.class, () -> d.forward(B.zeros(4, 5), false));
        assertTrue(e.getMessage().contains("bad") && e.getMessage().contains("[4, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.build(B, new int[] {4}));
        assertThrows(IllegalArgumentException.class, () -> new Dense(0));
        Tensor t = B.zeros(1);
        t.close();
    }
}
