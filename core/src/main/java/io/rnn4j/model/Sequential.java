package io.rnn4j.model;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.io.Configs;
import io.rnn4j.io.Json;
import io.rnn4j.io.LayerRegistry;
import io.rnn4j.io.ModelFile;
import io.rnn4j.io.ModelFormatException;
import io.rnn4j.layer.Layer;
import io.rnn4j.layer.Parameter;
import io.rnn4j.loss.Loss;
import io.rnn4j.loss.Losses;
import io.rnn4j.loss.Metric;
import io.rnn4j.loss.Metrics;
import io.rnn4j.optim.Optimizer;
import io.rnn4j.optim.Optimizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keras's {@code Sequential}: a stack of layers with {@code compile}, {@code fit},
 * {@code evaluate}, {@code predict}, {@code summary} and whole-model {@code save}/{@code load}.
 *
 * <pre>{@code
 * Sequential model = new Sequential()
 *         .add(Input.of(Input.NONE, 10))
 *         .add(new Dense(1));
 * model.compile(new Adam(), new MeanSquaredError());
 * History h = model.fit(x, y, new FitOptions().epochs(10).batchSize(32).validationSplit(0.2));
 * Tensor yHat = model.predict(x);
 * }</pre>
 *
 * <p>The model runs on one backend: {@link Backends#current()} unless {@link #onBackend} chose
 * another before the model was built. Data ({@code x}, {@code y}) may live on any backend: it is
 * read to the host once per call and sent to the model's backend one batch at a time. Weights,
 * gradients and optimizer state stay on the model's backend; only the model's output crosses to
 * the host per step, where the loss and its gradient are computed in double precision.
 */
public final class Sequential {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final List<Layer> layers = new ArrayList<>();
    private Input input;
    private Backend backend;
    private boolean built;

    private Optimizer optimizer;
    private Loss loss;
    private List<Metric> metrics = List.of();

    private volatile boolean stopTraining;

    /** An empty model named {@code sequential}, {@code sequential_1}, ... */
    public Sequential() {
        this(null);
    }

    /** An empty model with a name (null for the Keras-style default). */
    public Sequential(String name) {
        int id = COUNTER.getAndIncrement();
        this.name = name != null ? name : id == 0 ? "sequential" : "sequential_" + id;
    }

    /** The model's name, used in error messages. */
    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ structure

    /** Sets the input shape (must come before any layer, once). */
    public Sequential add(Input input) {
        if (input == null) {
            throw new IllegalArgumentException(name + ": add(null)");
        }
        if (this.input != null || !layers.isEmpty()) {
            throw new IllegalArgumentException(name + ": the Input must be added first and only once");
        }
        this.input = input;
        return this;
    }

    /** Appends a layer. */
    public Sequential add(Layer layer) {
        if (layer == null) {
            throw new IllegalArgumentException(name + ": add(null)");
        }
        if (built) {
            throw new IllegalStateException(name + ": cannot add " + layer.name() + " after the model was built");
        }
        for (Layer l : layers) {
            if (l == layer || l.name().equals(layer.name())) {
                throw new IllegalArgumentException(name + ": a layer named '" + layer.name() + "' is already in the model");
            }
        }
        layers.add(layer);
        return this;
    }

    /** The layers, in order. */
    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** The Input, or null if none was added yet. */
    public Input input() {
        return input;
    }

    /**
     * Puts the model on {@code backend} (default {@link Backends#current()}). Must be called
     * before the model is built (before the first compile, fit, predict or summary).
     */
    public Sequential onBackend(Backend backend) {
        if (backend == null) {
            throw new IllegalArgumentException(name + ": onBackend(null)");
        }
        if (built && backend != this.backend) {
            throw new IllegalStateException(name + ": already built on backend '" + this.backend.name()
                    + "'; choose the backend before the first compile/fit/predict");
        }
        this.backend = backend;
        return this;
    }

    /** The backend the model runs on (chosen at build time when not set). */
    public Backend backend() {
        return backend != null ? backend : Backends.current();
    }

    /** True once the layers' weights exist. */
    public boolean isBuilt() {
        return built;
    }

    /** Builds every layer for the model's {@link Input}. */
    public Sequential build() {
        if (input == null) {
            throw new IllegalStateException(name + ": cannot build without an Input; add(Input.of(...)) first");
        }
        if (built) {
            return this;
        }
        if (layers.isEmpty()) {
            throw new IllegalStateException(name + ": has no layers");
        }
        if (backend == null) {
            backend = Backends.current();
        }
        int[] shape = input.shape();
        for (Layer l : layers) {
            l.build(backend, shape);
            shape = l.outputShape(shape);
        }
        built = true;
        return this;
    }

    private void buildFor(int[] dataShape) {
        if (!built) {
            if (input == null) {
                input = Input.of(Arrays.copyOfRange(dataShape, 1, dataShape.length));
            }
            build();
        }
    }

    /** The output shape without batch for an input shape without batch. */
    public int[] outputShape(int[] inputShape) {
        int[] s = inputShape;
        for (Layer l : layers) {
            s = l.outputShape(s);
        }
        return s;
    }

    /** Number of weights (scalars) in the model; the model must be built. */
    public long countParams() {
        requireBuilt("countParams");
        long n = 0;
        for (Layer l : layers) {
            for (Parameter p : l.parameters()) {
                n += p.value().size();
            }
        }
        return n;
    }

    private void requireBuilt(String what) {
        if (!built) {
            if (input != null) {
                build();
            } else {
                throw new IllegalStateException(name + ": " + what + " needs a built model: add an Input first or call fit/predict");
            }
        }
    }

    /** A table of layers, output shapes and parameter counts, like Keras's {@code model.summary()}. */
    public String summary() {
        requireBuilt("summary");
        StringBuilder sb = new StringBuilder();
        String rule = "_".repeat(72);
        sb.append("Model: \"").append(name).append("\"\n").append(rule).append('\n');
        sb.append(String.format(Locale.ROOT, " %-33s%-26s%11s%n", "Layer (type)", "Output Shape", "Param #"));
        sb.append("=".repeat(72)).append('\n');
        int[] shape = input.shape();
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            shape = l.outputShape(shape);
            long n = 0;
            for (Parameter p : l.parameters()) {
                n += p.value().size();
            }
            total += n;
            sb.append(String.format(Locale.ROOT, " %-33s%-26s%,11d%n", l.name() + " (" + l.type() + ")",
                    "(None, " + Input.of(shape).describe() + ")", n));
            sb.append(i + 1 < layers.size() ? "\n" : "");
        }
        sb.append("=".repeat(72)).append('\n');
        String bytes = formatBytes(total * 4);
        sb.append(String.format(Locale.ROOT, "Total params: %,d (%s)%n", total, bytes));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d (%s)%n", total, bytes));
        sb.append("Non-trainable params: 0 (0.00 B)\n").append(rule).append('\n');
        return sb.toString();
    }

    private static String formatBytes(long b) {
        if (b < 1024) {
            return b + ".00 B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.2f KB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MB", b / (1024.0 * 1024));
    }

    // ------------------------------------------------------------------ weights

    /** Every layer's weights, in layer order and Keras {@code get_weights()} order within a layer. */
    public List<float[]> getWeights() {
        requireBuilt("getWeights");
        List<float[]> out = new ArrayList<>();
        for (Layer l : layers) {
            out.addAll(l.getWeights());
        }
        return out;
    }

    /** Sets every weight (order of {@link #getWeights()}); checks everything before writing anything. */
    public void setWeights(List<float[]> weights) {
        requireBuilt("setWeights");
        List<Parameter> ps = parameters();
        if (weights == null || weights.size() != ps.size()) {
            throw new IllegalArgumentException(name + ": setWeights expects " + ps.size() + " arrays, got "
                    + (weights == null ? "null" : weights.size()));
        }
        for (int i = 0; i < ps.size(); i++) {
            if (weights.get(i) == null || weights.get(i).length != ps.get(i).value().size()) {
                throw new IllegalArgumentException(name + ": weight " + i + " (" + ps.get(i) + ") expects "
                        + ps.get(i).value().size() + " values, got " + (weights.get(i) == null ? "null" : weights.get(i).length));
            }
        }
        int i = 0;
        for (Layer l : layers) {
            int n = l.parameters().size();
            l.setWeights(weights.subList(i, i + n));
            i += n;
        }
    }

    private List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (Layer l : layers) {
            ps.addAll(l.parameters());
        }
        return ps;
    }

    // ------------------------------------------------------------------ compile

    /** Keras {@code compile(optimizer, loss, metrics)}. */
    public Sequential compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        if (optimizer == null || loss == null) {
            throw new IllegalArgumentException(name + ": compile needs an optimizer and a loss");
        }
        this.optimizer = optimizer;
        this.loss = loss;
        this.metrics = List.of(metrics);
        return this;
    }

    /** {@code compile(optimizer, "mse", "mae", ...)} with Keras names for loss and metrics. */
    public Sequential compile(Optimizer optimizer, String loss, String... metrics) {
        Metric[] ms = new Metric[metrics.length];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = Metrics.get(metrics[i]);
        }
        return compile(optimizer, Losses.get(loss), ms);
    }

    /** The compiled optimizer, or null. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The compiled loss, or null. */
    public Loss loss() {
        return loss;
    }

    /** Asks {@code fit} to stop after the current epoch (for callbacks, like Keras's {@code stop_training}). */
    public void stopTraining() {
        stopTraining = true;
    }

    // ------------------------------------------------------------------ data

    /** x and y on the host, checked against the model. */
    private final class Data {
        final float[] x;
        final int[] xShape;
        final float[] y;
        final int[] yShape;
        final int n;
        final int xPer;
        final int yPer;
        final int[] outShape;

        Data(String what, Tensor xt, Tensor yt) {
            if (xt == null) {
                throw new IllegalArgumentException(name + ": " + what + "x must not be null");
            }
            xShape = xt.shape();
            if (xShape.length < 2) {
                throw new IllegalArgumentException(name + ": " + what + "x must have a batch dimension, got shape "
                        + Arrays.toString(xShape));
            }
            n = xShape[0];
            if (n == 0) {
                throw new IllegalArgumentException(name + ": " + what + "x is empty (batch 0)");
            }
            if (input != null) {
                input.check(name, what + "x", xShape);
            }
            buildFor(xShape);
            outShape = outputShape(Arrays.copyOfRange(xShape, 1, xShape.length));
            x = xt.toArray();
            xPer = x.length / n;
            checkFinite(what + "x", x, xPer, xShape);
            if (yt == null) {
                y = null;
                yShape = null;
                yPer = 0;
                return;
            }
            yShape = yt.shape();
            if (yShape.length == 0 || yShape[0] != n) {
                throw new IllegalArgumentException(name + ": " + what + "x has " + n + " samples (shape "
                        + Arrays.toString(xShape) + ") but " + what + "y has " + (yShape.length == 0 ? 0 : yShape[0])
                        + " (shape " + Arrays.toString(yShape) + ")");
            }
            int width = outShape[outShape.length - 1];
            int expected = Tensor.sizeOf(outShape) / width * (loss != null ? loss.targetWidth(width) : width);
            if (yt.size() / n != expected) {
                throw new IllegalArgumentException(name + ": " + what + "y has shape " + Arrays.toString(yShape) + " ("
                        + yt.size() / n + " values per sample) but the model outputs (batch, " + Input.of(outShape).describe()
                        + ") and loss " + (loss == null ? "?" : loss.name()) + " needs " + expected + " target values per sample");
            }
            y = yt.toArray();
            yPer = expected;
            checkFinite(what + "y", y, yPer, yShape);
        }

        private void checkFinite(String what, float[] a, int per, int[] shape) {
            for (int i = 0; i < a.length; i++) {
                if (!Float.isFinite(a[i])) {
                    throw new IllegalArgumentException(name + ": " + what + " contains " + a[i] + " at sample " + (i / per)
                            + " (flat element " + i + " of shape " + Arrays.toString(shape) + ")");
                }
            }
        }

        int[] batchShape(int[] shape, int rows) {
            int[] s = shape.clone();
            s[0] = rows;
            return s;
        }

        Tensor xBatch(int[] idx, int from, int to) {
            return backend.fromArray(gather(x, xPer, idx, from, to), batchShape(xShape, to - from));
        }

        float[] yBatch(int[] idx, int from, int to) {
            return gather(y, yPer, idx, from, to);
        }
    }

    private static float[] gather(float[] src, int per, int[] idx, int from, int to) {
        float[] out = new float[(to - from) * per];
        for (int i = from; i < to; i++) {
            System.arraycopy(src, idx[i] * per, out, (i - from) * per, per);
        }
        return out;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    // ------------------------------------------------------------------ fit

    /** {@code fit(x, y, epochs=..., batch_size=...)} with the other options at Keras defaults. */
    public History fit(Tensor x, Tensor y, int epochs, int batchSize) {
        return fit(x, y, new FitOptions().epochs(epochs).batchSize(batchSize));
    }

    /**
     * Trains the model; returns the per-epoch logs. Throws {@link TrainingDivergedException} when
     * the loss, a gradient or a weight becomes NaN or infinite, keeping the last finite weights.
     */
    public History fit(Tensor x, Tensor y, FitOptions options) {
        if (optimizer == null || loss == null) {
            throw new IllegalStateException(name + ": fit before compile; call compile(optimizer, loss) first");
        }
        if (y == null) {
            throw new IllegalArgumentException(name + ": fit needs targets y");
        }
        FitOptions o = options == null ? new FitOptions() : options;
        Data data = new Data("", x, y);
        Data val = null;
        int nTrain = data.n;
        int[] valIdx = null;
        if (o.validationX != null) {
            val = new Data("validation ", o.validationX, o.validationY);
        } else if (o.validationSplit > 0) {
            nTrain = (int) Math.ceil(data.n * (1.0 - o.validationSplit));
            if (nTrain <= 0 || nTrain >= data.n) {
                throw new IllegalArgumentException(name + ": validationSplit " + o.validationSplit + " of " + data.n
                        + " samples leaves " + nTrain + " for training and " + (data.n - nTrain) + " for validation");
            }
            valIdx = range(nTrain, data.n);
        }
        if (o.tbptt > 0) {
            Tbptt.check(this, data.xShape, data.outShape);
        }
        ProgressReporter progress = switch (o.verbose) {
            case 0 -> ProgressReporter.silent();
            case 2 -> ProgressReporter.lines(o.out);
            default -> ProgressReporter.auto(o.out);
        };
        SplittableRandom rnd = o.seed != null ? new SplittableRandom(o.seed) : new SplittableRandom();
        List<Parameter> params = parameters();
        Tensor[] lastGood = new Tensor[params.size()];
        for (int i = 0; i < lastGood.length; i++) {
            lastGood[i] = backend.zeros(params.get(i).shape());
        }
        History history = new History();
        stopTraining = false;
        for (Callback c : o.callbacks) {
            c.onTrainBegin(this);
        }
        int[] order = range(0, nTrain);
        int steps = (nTrain + o.batchSize - 1) / o.batchSize;
        try {
            runEpochs(o, data, val, valIdx, nTrain, order, steps, rnd, params, lastGood, history, progress);
        } finally {
            progress.close();
            for (Tensor t : lastGood) {
                t.close();
            }
        }
        for (Callback c : o.callbacks) {
            c.onTrainEnd(this);
        }
        return history;
    }

    private void runEpochs(FitOptions o, Data data, Data val, int[] valIdx, int nTrain, int[] order, int steps,
                           SplittableRandom rnd, List<Parameter> params, Tensor[] lastGood, History history,
                           ProgressReporter progress) {
        for (int epoch = 0; epoch < o.epochs && !stopTraining; epoch++) {
            long t0 = System.nanoTime();
            if (o.shuffle) {
                for (int i = nTrain - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            progress.epochBegin(epoch, o.epochs, steps);
            Accumulator acc = new Accumulator(metrics);
            for (int s = 0; s < steps; s++) {
                int from = s * o.batchSize;
                int to = Math.min(nTrain, from + o.batchSize);
                float[] xh = gather(data.x, data.xPer, order, from, to);
                int[] xbShape = data.batchShape(data.xShape, to - from);
                float[] yb = data.yBatch(order, from, to);
                String where = "epoch " + (epoch + 1) + ", step " + (s + 1);
                if (o.tbptt > 0) {
                    Tbptt.trainBatch(this, backend, xh, xbShape, yb, o.tbptt, acc, params, lastGood, where, history);
                } else {
                    try (Tensor xb = backend.fromArray(xh, xbShape)) {
                        trainStep(xb, yb, acc, params, lastGood, where, history);
                    }
                }
                progress.step(s, acc.logs(""));
            }
            Map<String, Double> logs = acc.logs("");
            if (val != null) {
                logs.putAll(evaluateData(val, range(0, val.n), o.batchSize, "val_"));
            } else if (valIdx != null) {
                logs.putAll(evaluateData(data, valIdx, o.batchSize, "val_"));
            }
            history.record(logs);
            progress.epochEnd(epoch, o.epochs, logs, (System.nanoTime() - t0) / 1e9);
            for (Callback c : o.callbacks) {
                c.onEpochEnd(this, epoch, logs);
            }
        }
    }

    /** Forward through every layer. */
    Tensor forward(Tensor x, boolean training) {
        Tensor h = x;
        for (Layer l : layers) {
            h = l.forward(h, training);
        }
        return h;
    }

    /** Backward through every layer in reverse. */
    void backward(Tensor dOut) {
        Tensor g = dOut;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g);
        }
    }

    /** One optimizer step on one batch; keeps the last finite weights when anything turns non-finite. */
    void trainStep(Tensor xb, float[] yb, Accumulator acc, List<Parameter> params, Tensor[] lastGood,
                   String where, History history) {
        Tensor out = forward(xb, true);
        float[] pred = out.toArray();
        int width = out.dim(-1);
        float[] grad = new float[pred.length];
        double l = loss.compute(pred, yb, width, grad);
        if (!Double.isFinite(l)) {
            throw diverged("the loss became " + l + " at " + where, history);
        }
        acc.add(l, pred, yb, width, loss.targetWidth(width));
        applyGradient(out, grad, params, lastGood, where, history);
    }

    /** Backpropagates {@code grad} (d loss / d output) and applies one optimizer update. */
    void applyGradient(Tensor out, float[] grad, List<Parameter> params, Tensor[] lastGood, String where, History history) {
        for (Parameter p : params) {
            p.zeroGrad();
        }
        // tensors the model creates are closed at once, so device backends free them without waiting for GC
        try (Tensor g = backend.fromArray(grad, out.shape())) {
            backward(g);
        }
        for (Parameter p : params) {
            double sq = backend.sumOfSquares(p.grad());
            if (!Double.isFinite(sq)) {
                throw diverged("the gradient of '" + p.name() + "' became non-finite at " + where, history);
            }
        }
        for (int i = 0; i < params.size(); i++) {
            backend.copy(params.get(i).value(), 0, lastGood[i], 0, lastGood[i].size());
        }
        optimizer.apply(params);
        for (Parameter p : params) {
            if (!Double.isFinite(backend.sumOfSquares(p.value()))) {
                for (int i = 0; i < params.size(); i++) {
                    backend.copy(lastGood[i], 0, params.get(i).value(), 0, lastGood[i].size());
                }
                throw diverged("the update made weight '" + p.name() + "' non-finite at " + where
                        + " (learning rate " + optimizer.currentLearningRate() + ")", history);
            }
        }
    }

    private TrainingDivergedException diverged(String what, History history) {
        stopTraining = true;
        return new TrainingDivergedException(name + ": training stopped: " + what
                + "; the model keeps the weights of the last finite step", history);
    }

    /** Sample-weighted running means of the loss and metrics over an epoch, like Keras's trackers. */
    static final class Accumulator {
        private final List<Metric> metrics;
        private double lossSum;
        private double lossCount;
        private final double[] sums;
        private final double[] counts;

        Accumulator(List<Metric> metrics) {
            this.metrics = metrics;
            this.sums = new double[metrics.size()];
            this.counts = new double[metrics.size()];
        }

        void add(double batchLoss, float[] pred, float[] y, int width, int targetWidth) {
            int rows = pred.length / width;
            lossSum += batchLoss * rows;
            lossCount += rows;
            for (int i = 0; i < metrics.size(); i++) {
                double[] sc = metrics.get(i).sumAndCount(pred, y, width, targetWidth);
                sums[i] += sc[0];
                counts[i] += sc[1];
            }
        }

        Map<String, Double> logs(String prefix) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(prefix + "loss", lossCount == 0 ? Double.NaN : lossSum / lossCount);
            for (int i = 0; i < metrics.size(); i++) {
                m.put(prefix + metrics.get(i).name(), counts[i] == 0 ? Double.NaN : sums[i] / counts[i]);
            }
            return m;
        }
    }

    // ------------------------------------------------------------------ evaluate / predict

    /** Keras {@code evaluate(x, y)} with batch size 32: the loss and every metric. */
    public Map<String, Double> evaluate(Tensor x, Tensor y) {
        return evaluate(x, y, 32);
    }

    /** Keras {@code evaluate(x, y, batch_size)}: {@code loss} and every metric by name. */
    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
        if (loss == null) {
            throw new IllegalStateException(name + ": evaluate before compile; call compile(optimizer, loss) first");
        }
        if (y == null) {
            throw new IllegalArgumentException(name + ": evaluate needs targets y");
        }
        checkBatch(batchSize);
        Data d = new Data("", x, y);
        return evaluateData(d, range(0, d.n), batchSize, "");
    }

    private Map<String, Double> evaluateData(Data d, int[] idx, int batchSize, String prefix) {
        Accumulator acc = new Accumulator(metrics);
        for (int from = 0; from < idx.length; from += batchSize) {
            int to = Math.min(idx.length, from + batchSize);
            try (Tensor xb = d.xBatch(idx, from, to)) {
                Tensor out = forward(xb, false);
                float[] pred = out.toArray();
                float[] yb = d.yBatch(idx, from, to);
                int width = out.dim(-1);
                acc.add(loss.compute(pred, yb, width, null), pred, yb, width, loss.targetWidth(width));
            }
        }
        return acc.logs(prefix);
    }

    /** Keras {@code predict(x)} with batch size 32. */
    public Tensor predict(Tensor x) {
        return predict(x, 32);
    }

    /** Predicts in batches of {@code batchSize}; the result is on the model's backend. */
    public Tensor predict(Tensor x, int batchSize) {
        checkBatch(batchSize);
        Data d = new Data("", x, null);
        int[] outFull = new int[d.outShape.length + 1];
        outFull[0] = d.n;
        System.arraycopy(d.outShape, 0, outFull, 1, d.outShape.length);
        float[] all = new float[Tensor.sizeOf(outFull)];
        int per = all.length / d.n;
        int[] idx = range(0, d.n);
        for (int from = 0; from < d.n; from += batchSize) {
            int to = Math.min(d.n, from + batchSize);
            try (Tensor xb = d.xBatch(idx, from, to)) {
                Tensor out = forward(xb, false);
                out.backend().copyToHost(out, 0, all, from * per, (to - from) * per);
            }
        }
        return backend.fromArray(all, outFull);
    }

    private void checkBatch(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException(name + ": batchSize must be >= 1, got " + batchSize);
        }
    }

    // ------------------------------------------------------------------ save / load

    /**
     * Saves architecture (readable JSON) and weights (little-endian float32) to one file, writing a
     * temporary file in the same directory and renaming it into place; see {@link ModelFile}.
     */
    public void save(Path file) throws IOException {
        requireBuilt("save");
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", "rnn4j-model");
        root.put("format_version", ModelFile.VERSION);
        root.put("class_name", "Sequential");
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("name", name);
        cfg.put("input_shape", Configs.shapeToJson(input.shape()));
        List<Object> ls = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> lc = new LinkedHashMap<>();
            lc.put("class_name", l.type());
            lc.put("config", l.config());
            List<Object> ws = new ArrayList<>();
            for (Parameter p : l.parameters()) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("name", p.name());
                w.put("shape", p.shape());
                ws.add(w);
                weights.add(p.value().toArray());
            }
            lc.put("weights", ws);
            ls.add(lc);
        }
        cfg.put("layers", ls);
        root.put("config", cfg);
        if (optimizer != null) {
            Map<String, Object> cc = new LinkedHashMap<>();
            cc.put("optimizer", Map.of("class_name", optimizer.type(), "config", optimizer.config()));
            cc.put("loss", Map.of("class_name", loss.name(), "config", loss.config()));
            cc.put("metrics", metrics.stream().map(Metric::name).toList());
            root.put("compile_config", cc);
        }
        ModelFile.write(file, Json.write(root), ModelFile.flatten(weights));
    }

    /** Loads a model saved by {@link #save} onto {@link Backends#current()}. */
    public static Sequential load(Path file) throws IOException {
        return load(file, Backends.current());
    }

    /**
     * Loads a model saved by {@link #save} onto {@code backend}. The file is verified (magic,
     * version, lengths, SHA-256) before anything is parsed; layer types must be registered in
     * {@link LayerRegistry}. When the model was compiled, its loss, metrics and optimizer
     * (type and hyper-parameters, as a fresh optimizer: slot state and step count are not saved)
     * are restored, so it can be evaluated or trained further right away.
     */
    @SuppressWarnings("unchecked")
    public static Sequential load(Path file, Backend backend) throws IOException {
        ModelFile.Contents c = ModelFile.read(file);
        try {
            Map<String, Object> root = (Map<String, Object>) Json.parse(c.json());
            if (!"rnn4j-model".equals(root.get("format")) || !"Sequential".equals(root.get("class_name"))) {
                throw new ModelFormatException(file + " does not hold an rnn4j Sequential model");
            }
            Map<String, Object> cfg = Configs.getMap("Sequential", root, "config");
            Sequential m = new Sequential(Configs.getString("Sequential", cfg, "name"));
            m.onBackend(backend);
            m.add(Input.of(Configs.getShape("Sequential", cfg, "input_shape")));
            List<Object> ls = Configs.getList("Sequential", cfg, "layers");
            List<int[]> declared = new ArrayList<>();
            for (Object o : ls) {
                Map<String, Object> lc = (Map<String, Object>) o;
                String type = Configs.getString("layer", lc, "class_name");
                m.add(LayerRegistry.create(type, Configs.getMap(type, lc, "config")));
                for (Object w : Configs.getList(type, lc, "weights")) {
                    declared.add(Configs.getShape(type, (Map<String, Object>) w, "shape"));
                }
            }
            m.build();
            List<Parameter> ps = m.parameters();
            if (ps.size() != declared.size()) {
                throw new ModelFormatException(file + ": the file lists " + declared.size() + " weights, the rebuilt model has " + ps.size());
            }
            List<float[]> ws = new ArrayList<>();
            int off = 0;
            for (int i = 0; i < ps.size(); i++) {
                if (!Arrays.equals(ps.get(i).shape(), declared.get(i))) {
                    throw new ModelFormatException(file + ": weight " + i + " is stored with shape " + Arrays.toString(declared.get(i))
                            + " but the rebuilt layer has " + ps.get(i));
                }
                int n = ps.get(i).value().size();
                if (off + n > c.weights().length) {
                    throw new ModelFormatException(file + ": holds " + c.weights().length + " weight values, the architecture needs more");
                }
                ws.add(Arrays.copyOfRange(c.weights(), off, off + n));
                off += n;
            }
            if (off != c.weights().length) {
                throw new ModelFormatException(file + ": holds " + c.weights().length + " weight values, the architecture needs " + off);
            }
            m.setWeights(ws);
            if (root.get("compile_config") instanceof Map<?, ?> cc && cc.get("loss") instanceof Map<?, ?> lm) {
                m.loss = Losses.fromConfig((String) lm.get("class_name"), (Map<String, Object>) lm.get("config"));
                List<Metric> ms = new ArrayList<>();
                if (cc.get("metrics") instanceof List<?> names) {
                    for (Object n : names) {
                        ms.add(Metrics.get((String) n));
                    }
                }
                m.metrics = ms;
                if (cc.get("optimizer") instanceof Map<?, ?> om) {
                    m.optimizer = Optimizers.fromConfig((String) om.get("class_name"), (Map<String, Object>) om.get("config"));
                }
            }
            return m;
        } catch (IllegalArgumentException | ClassCastException | IllegalStateException e) {
            throw new ModelFormatException(file + ": invalid model architecture: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "Sequential(" + name + ", " + layers.size() + " layers)";
    }
}
