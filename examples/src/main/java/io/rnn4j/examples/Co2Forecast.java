package io.rnn4j.examples;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.loss.MeanSquaredError;
import io.rnn4j.model.EarlyStopping;
import io.rnn4j.model.FitOptions;
import io.rnn4j.model.History;
import io.rnn4j.model.Input;
import io.rnn4j.model.Sequential;
import io.rnn4j.optim.Adam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The main job: an LSTM that forecasts next month's atmospheric CO2 at Mauna Loa (the monthly
 * series 1959-1997 in {@code data/co2.csv}) one step ahead, trained on the first part of the
 * series, early-stopped on the next part and tested on the last six years, next to the
 * seasonal-naive forecast (same month last year) and the naive one (last month).
 *
 * <p>The network sees the last {@value #WINDOW} month-to-month changes (standardised with the
 * training statistics) and predicts the next change; the forecast is last month's value plus that
 * change, so the model does not need to extrapolate the level of a trending series.
 *
 * <p>Run with {@code mvn -q -pl examples -am package -DskipTests -Prun} (see README).
 */
public final class Co2Forecast {
    static final int WINDOW = 24;
    static final int TEST_MONTHS = 72;
    static final int VAL_MONTHS = 60;
    static final long SEED = 42;

    private Co2Forecast() {
    }

    /** One split: inputs (n, WINDOW, 1), standardised targets (n, 1), and the indices of the forecast months. */
    record Split(Tensor x, Tensor y, int[] months) {
    }

    public static void main(String[] args) throws IOException {
        Path csv = Path.of(args.length > 0 ? args[0] : "data/co2.csv");
        Path png = Path.of(args.length > 1 ? args[1] : "co2-forecast.png");
        double[] co2 = readCsv(csv);
        int n = co2.length;
        double[] diff = new double[n];
        for (int t = 1; t < n; t++) {
            diff[t] = co2[t] - co2[t - 1];
        }
        int testStart = n - TEST_MONTHS;
        int valStart = testStart - VAL_MONTHS;
        // Standardise with statistics of the training months only.
        double mean = 0, sq = 0;
        int cnt = 0;
        for (int t = 1; t < valStart; t++) {
            mean += diff[t];
            cnt++;
        }
        mean /= cnt;
        for (int t = 1; t < valStart; t++) {
            sq += (diff[t] - mean) * (diff[t] - mean);
        }
        double std = Math.sqrt(sq / cnt);
        float[] z = new float[n];
        for (int t = 1; t < n; t++) {
            z[t] = (float) ((diff[t] - mean) / std);
        }

        Backend backend = Backends.current();
        Split train = windows(backend, z, WINDOW + 1, valStart);
        Split val = windows(backend, z, valStart, testStart);
        Split test = windows(backend, z, testStart, n);
        System.out.printf(Locale.ROOT, "Mauna Loa CO2, %d months %s .. %s: train %d, validation %d, test %d forecasts (time order)%n",
                n, monthName(0), monthName(n - 1), train.months.length, val.months.length, test.months.length);

        Sequential model = Models.forecaster(backend, WINDOW, SEED);
        model.compile(new Adam(0.003), new MeanSquaredError());
        System.out.print(model.summary());
        System.out.println("backend: " + model.backend().name());

        long t0 = System.nanoTime();
        History h = model.fit(train.x, train.y, new FitOptions()
                .epochs(150).batchSize(32).seed(SEED)
                .validationData(val.x, val.y)
                .callbacks(new EarlyStopping("val_loss", 0.0, 15, io.rnn4j.model.Mode.MIN, true)));
        double seconds = (System.nanoTime() - t0) / 1e9;

        float[] pz = model.predict(test.x).toArray();
        // The trained model in one file; reloading it gives bit-for-bit the same forecasts.
        Path saved = Path.of("target", "co2-lstm.rnn4j");
        Files.createDirectories(saved.getParent());
        model.save(saved);
        boolean same = Arrays.equals(pz, Sequential.load(saved, backend).predict(test.x).toArray());

        double[] forecast = new double[test.months.length];
        double seLstm = 0, aeLstm = 0, seSeasonal = 0, aeSeasonal = 0, seNaive = 0, aeNaive = 0;
        for (int i = 0; i < forecast.length; i++) {
            int t = test.months[i];
            forecast[i] = co2[t - 1] + (pz[i] * std + mean);
            double eL = forecast[i] - co2[t];
            double eS = co2[t - 12] - co2[t];
            double eN = co2[t - 1] - co2[t];
            seLstm += eL * eL;
            aeLstm += Math.abs(eL);
            seSeasonal += eS * eS;
            aeSeasonal += Math.abs(eS);
            seNaive += eN * eN;
            aeNaive += Math.abs(eN);
        }
        int m = forecast.length;
        int best = 0;
        List<Double> vl = h.get("val_loss");
        for (int i = 1; i < vl.size(); i++) {
            if (vl.get(i) < vl.get(best)) {
                best = i;
            }
        }
        System.out.printf(Locale.ROOT, "trained %d epochs in %.1f s on backend '%s' (best epoch %d, val_loss %.4f)%n",
                h.epochs(), seconds, model.backend().name(), best + 1, vl.get(best));
        System.out.printf(Locale.ROOT, "test %s .. %s, one-step-ahead forecasts, error in ppm:%n",
                monthName(test.months[0]), monthName(test.months[m - 1]));
        System.out.printf(Locale.ROOT, "  %-28s RMSE %.3f  MAE %.3f%n", "LSTM", Math.sqrt(seLstm / m), aeLstm / m);
        System.out.printf(Locale.ROOT, "  %-28s RMSE %.3f  MAE %.3f%n", "seasonal naive (t-12 months)", Math.sqrt(seSeasonal / m), aeSeasonal / m);
        System.out.printf(Locale.ROOT, "  %-28s RMSE %.3f  MAE %.3f%n", "naive (last month)", Math.sqrt(seNaive / m), aeNaive / m);

        double[] years = new double[m];
        double[] actual = new double[m];
        double[] seasonal = new double[m];
        for (int i = 0; i < m; i++) {
            int t = test.months[i];
            years[i] = 1959 + t / 12.0;
            actual[i] = co2[t];
            seasonal[i] = co2[t - 12];
        }
        Plot.forecast(png, years, actual, forecast, seasonal,
                String.format(Locale.ROOT, "Mauna Loa CO2, test period: LSTM RMSE %.2f ppm vs seasonal naive %.2f ppm",
                        Math.sqrt(seLstm / m), Math.sqrt(seSeasonal / m)));
        System.out.println("model saved to " + saved + " (" + Files.size(saved) + " bytes); reloaded model predicts "
                + (same ? "bit-for-bit the same" : "DIFFERENTLY (bug)"));
        System.out.println("plot written to " + png.toAbsolutePath().normalize());
    }

    /** Samples whose target month t is in [from, to): input z[t-WINDOW .. t-1], target z[t]. */
    static Split windows(Backend backend, float[] z, int from, int to) {
        int count = to - from;
        float[] x = new float[count * WINDOW];
        float[] y = new float[count];
        int[] months = new int[count];
        for (int i = 0; i < count; i++) {
            int t = from + i;
            System.arraycopy(z, t - WINDOW, x, i * WINDOW, WINDOW);
            y[i] = z[t];
            months[i] = t;
        }
        return new Split(backend.fromArray(x, count, WINDOW, 1), backend.fromArray(y, count, 1), months);
    }

    static double[] readCsv(Path csv) throws IOException {
        if (!Files.exists(csv)) {
            throw new IOException("data file " + csv.toAbsolutePath() + " not found; run from the examples/ folder or pass its path");
        }
        List<Double> values = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 2) {
                throw new IOException(csv + " line " + (i + 1) + ": expected 'time,co2', got '" + line + "'");
            }
            values.add(Double.parseDouble(f[1]));
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String monthName(int index) {
        return String.format(Locale.ROOT, "%d-%02d", 1959 + index / 12, index % 12 + 1);
    }
}
