package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cuda.CudaBackend;
import io.rnn4j.cuda.EmulatedDevice;
import io.rnn4j.loss.MeanSquaredError;
import io.rnn4j.model.FitOptions;
import io.rnn4j.model.Sequential;
import io.rnn4j.optim.Adam;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The main job's model put on each backend programmatically ({@code onBackend}): a few epochs
 * on the simd backend and on the cuda backend's host emulation end where the java reference ends,
 * up to float32 rounding differences.
 */
class BackendsAgreeTest {

    private static float[] trainAndPredict(Backend backend, float[] z) {
        Co2Forecast.Split train = Co2Forecast.windows(backend, z, Co2Forecast.WINDOW + 1, 200);
        Co2Forecast.Split test = Co2Forecast.windows(backend, z, 400, 430);
        Sequential m = Models.forecaster(backend, Co2Forecast.WINDOW, 7);
        m.compile(new Adam(0.003), new MeanSquaredError());
        m.fit(train.x(), train.y(), new FitOptions().epochs(3).batchSize(32).seed(7).verbose(0));
        assertEquals(backend.name(), m.backend().name());
        return m.predict(test.x()).toArray();
    }

    @Test
    void javaSimdAndEmulatedCudaTrainTheSameModel() throws Exception {
        double[] co2 = Co2Forecast.readCsv(Path.of("data/co2.csv"));
        float[] z = new float[co2.length];
        for (int t = 1; t < co2.length; t++) {
            z[t] = (float) ((co2[t] - co2[t - 1]) - 0.1);
        }
        float[] ref = trainAndPredict(Backends.get("java"), z);
        Backend[] others = {Backends.get("simd"), new CudaBackend(new EmulatedDevice())};
        for (Backend b : others) {
            float[] p = trainAndPredict(b, z);
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], p[i], 1e-3, b.name() + " prediction " + i);
            }
        }
    }
}
