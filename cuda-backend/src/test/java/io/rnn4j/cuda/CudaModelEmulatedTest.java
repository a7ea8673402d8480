package io.rnn4j.cuda;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.java.JavaBackend;
import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Gru;
import io.rnn4j.layer.Lstm;
import io.rnn4j.loss.MeanSquaredError;
import io.rnn4j.model.FitOptions;
import io.rnn4j.model.History;
import io.rnn4j.model.Input;
import io.rnn4j.model.Sequential;
import io.rnn4j.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole Keras-style model (LSTM → GRU → Dense, Adam, MSE) trained with fit on the cuda backend
 * over the emulated device and on the java backend: same losses, weights and predictions within
 * float32 tolerance; and during fit nothing weight-sized comes back to the host.
 */
class CudaModelEmulatedTest {
    private static Sequential model(Backend be) {
        return new Sequential("m").onBackend(be).add(Input.of(Input.NONE, 3))
                .add(new Lstm(5).seed(1).returnSequences(true).name("l1"))
                .add(new Gru(4).seed(2).name("g1"))
                .add(new Dense("d1", 2, Activation.LINEAR, true, 3L));
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void fitOnTheCudaBackendMatchesTheJavaBackend() {
        Random r = new Random(1);
        int n = 9, t = 7, f = 3;
        float[] xs = random(r, n * t * f), ys = random(r, n * 2);
        JavaBackend java = new JavaBackend();
        EmulatedDevice dev = new EmulatedDevice();
        try (CudaBackend cuda = new CudaBackend(dev)) {
            Sequential mj = model(java), mc = model(cuda);
            mj.compile(new Adam(0.01), new MeanSquaredError());
            mc.compile(new Adam(0.01), new MeanSquaredError());
            Tensor xj = java.fromArray(xs, n, t, f), yj = java.fromArray(ys, n, 2);
            Tensor xc = cuda.fromArray(xs, n, t, f), yc = cuda.fromArray(ys, n, 2);
            mc.build();
            long before = dev.floatsCopiedToHost();
            FitOptions opts = new FitOptions().epochs(3).batchSize(4).seed(1).verbose(0);
            History hj = mj.fit(xj, yj, opts);
            History hc = mc.fit(xc, yc, opts);
            long copied = dev.floatsCopiedToHost() - before;
            List<Double> lj = hj.get("loss"), lc = hc.get("loss");
            assertEquals(lj.size(), lc.size());
            for (int i = 0; i < lj.size(); i++) {
                assertEquals(lj.get(i), lc.get(i), 1e-5 * (1 + Math.abs(lj.get(i))), "loss of epoch " + i);
            }
            List<float[]> wj = mj.getWeights(), wc = mc.getWeights();
            for (int i = 0; i < wj.size(); i++) {
                for (int k = 0; k < wj.get(i).length; k++) {
                    assertEquals(wj.get(i)[k], wc.get(i)[k], 1e-4, "weight " + i + "[" + k + "]");
                }
            }
            float[] pj = mj.predict(xj).toArray(), pc = mc.predict(xc).toArray();
            for (int i = 0; i < pj.length; i++) {
                assertEquals(pj[i], pc[i], 1e-4, "prediction " + i);
            }
            // What fit may copy to the host: x and y once (the model boundary), then per step the batch's
            // predictions (loss on the host) and two finiteness checks per parameter (2 floats each).
            // Copying the 322 weights back even once per step would be 9 * 322 floats.
            int steps = 3 * 3, params = 8;
            long allowed = xs.length + ys.length + (long) steps * (4 * 2 + 2 * params * 2);
            assertTrue(copied <= allowed, "weights stay on the device during fit: " + copied
                    + " floats copied to the host, at most " + allowed + " expected");
            System.out.println("fit on the emulated cuda device: " + copied + " floats copied to the host in 3 epochs of 3 batches,"
                    + " largest copy " + dev.largestCopyToHost() + " floats");
        }
    }
}
