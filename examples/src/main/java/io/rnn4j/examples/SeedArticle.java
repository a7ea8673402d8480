package io.rnn4j.examples;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.Cell;
import io.rnn4j.cell.Ops;
import io.rnn4j.cell.Step;
import io.rnn4j.cell.Var;
import io.rnn4j.cell.Weight;
import io.rnn4j.init.Initializers;
import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Rnn;
import io.rnn4j.model.FitOptions;
import io.rnn4j.model.Input;
import io.rnn4j.model.Sequential;
import io.rnn4j.optim.Adam;

import java.util.Arrays;
import java.util.Random;

/**
 * The seed article's Keras program, line for line in rnn4j. The Keras original:
 *
 * <pre>
 * class MinimalRNNCell(keras.layers.Layer):
 *     def __init__(self, units, **kwargs):
 *         super().__init__(**kwargs)
 *         self.units = units
 *         self.state_size = units
 *     def build(self, input_shape):
 *         self.kernel = self.add_weight(shape=(input_shape[-1] + self.units, self.units), name="kernel")
 *         self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
 *         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")
 *     def call(self, inputs, states):
 *         h = ops.matmul(ops.concatenate([inputs, states[0]], axis=-1), self.kernel) + self.bias
 *         output = ops.tanh(h)
 *         return output, [ops.matmul(output, self.recurrent_kernel)]
 *
 * model = keras.Sequential([
 *     keras.Input(shape=(None, 10)),
 *     keras.layers.RNN(MinimalRNNCell(32), return_sequences=True),
 *     keras.layers.Dense(1),
 * ])
 * model.compile(optimizer="adam", loss="mse")
 * x = np.random.random((256, 20, 10)); y = np.random.random((256, 20, 1))
 * model.fit(x, y, epochs=5, batch_size=32)
 * print(model.predict(x[:2]).shape)
 * </pre>
 *
 * (The article sized the kernel {@code (units + units, units)}; with 10 input features that is a
 * shape error, which rnn4j reports at build time naming both sizes. It is sized
 * {@code (input + units, units)} here so that the model trains.)
 */
public final class SeedArticle {
    private SeedArticle() {
    }

    /** The user-written cell: concat(input, state) · kernel + bias, tanh; next state = output · recurrent_kernel. */
    static final class MinimalRnnCell extends Cell {
        final int units;
        final boolean articleSizing;
        Weight kernel;
        Weight bias;
        Weight recurrentKernel;

        MinimalRnnCell(int units) {
            this(units, false);
        }

        /** With {@code articleSizing} the kernel is {@code (units + units, units)} as the article wrote it. */
        MinimalRnnCell(int units, boolean articleSizing) {
            this.units = units;
            this.articleSizing = articleSizing;
        }

        @Override
        public int[] stateSizes() {
            return new int[] {units};
        }

        @Override
        public int outputSize() {
            return units;
        }

        @Override
        protected void build(int inputSize) {
            kernel = addWeight("kernel", Initializers.glorotUniform(), (articleSizing ? units : inputSize) + units, units);
            bias = addWeight("bias", Initializers.zeros(), units);
            recurrentKernel = addWeight("recurrent_kernel", Initializers.glorotUniform(), units, units);
        }

        @Override
        public Step call(Ops ops, Var inputs, Var[] states) {
            Var h = ops.biasAdd(ops.matmul(ops.concat(inputs, states[0]), kernel), bias);
            Var output = ops.tanh(h);
            return Step.of(output, ops.matmul(output, recurrentKernel));
        }
    }

    public static void main(String[] args) {
        // The article's sizing fails when the model is built, naming both sizes.
        try {
            new Sequential().add(Input.of(Input.NONE, 10))
                    .add(new Rnn(new MinimalRnnCell(32, true)).returnSequences(true))
                    .add(new Dense(1))
                    .build();
        } catch (IllegalArgumentException e) {
            System.out.println("kernel sized (units + units, units) as in the article: " + e.getMessage());
        }

        Sequential model = new Sequential()
                .add(Input.of(Input.NONE, 10))
                .add(new Rnn(new MinimalRnnCell(32).seed(1)).returnSequences(true))
                .add(new Dense(1));
        model.compile(new Adam(), "mse");

        Random rnd = new Random(0);
        float[] xs = new float[256 * 20 * 10];
        float[] ys = new float[256 * 20];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = rnd.nextFloat();
        }
        for (int i = 0; i < ys.length; i++) {
            ys[i] = rnd.nextFloat();
        }
        Tensor x = Tensor.of(xs, 256, 20, 10);
        Tensor y = Tensor.of(ys, 256, 20, 1);
        model.fit(x, y, new FitOptions().epochs(5).batchSize(32).seed(0));
        Tensor p = model.predict(Tensor.of(Arrays.copyOf(xs, 2 * 20 * 10), 2, 20, 10));
        System.out.println(model.summary());
        System.out.println("predict(x[:2]).shape = " + Arrays.toString(p.shape()) + " on backend " + Backends.current().name());
    }
}
