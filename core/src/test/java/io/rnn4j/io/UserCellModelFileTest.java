package io.rnn4j.io;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.Cell;
import io.rnn4j.cell.CellConfigs;
import io.rnn4j.cell.Ops;
import io.rnn4j.cell.Step;
import io.rnn4j.cell.Var;
import io.rnn4j.cell.Weight;
import io.rnn4j.init.Initializers;
import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Rnn;
import io.rnn4j.model.Input;
import io.rnn4j.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model with a user-written cell saves only once the cell can describe and rebuild itself (Keras's custom_objects). */
class UserCellModelFileTest {
    static final Backend B = Backends.get("java");

    @TempDir
    Path dir;

    /** The seed article's cell; {@code describable} adds config() so that it can be saved. */
    static final class MinimalCell extends Cell {
        final int units;
        final boolean describable;
        Weight kernel;
        Weight bias;
        Weight recurrentKernel;

        MinimalCell(int units, boolean describable) {
            this.units = units;
            this.describable = describable;
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
            kernel = addWeight("kernel", Initializers.glorotUniform(), inputSize + units, units);
            bias = addWeight("bias", Initializers.zeros(), units);
            recurrentKernel = addWeight("recurrent_kernel", Initializers.glorotUniform(), units, units);
        }

        @Override
        public Step call(Ops ops, Var x, Var[] states) {
            Var out = ops.tanh(ops.biasAdd(ops.matmul(ops.concat(x, states[0]), kernel), bias));
            return Step.of(out, ops.matmul(out, recurrentKernel));
        }

        @Override
        public String type() {
            return describable ? "MinimalCell" : "UnregisteredCell";
        }

        @Override
        public Map<String, Object> config() {
            return describable ? Map.of("units", units) : null;
        }
    }

    private static Sequential model(boolean describable) {
        return new Sequential().onBackend(B).add(Input.of(Input.NONE, 3))
                .add(new Rnn(new MinimalCell(4, describable).seed(1)).returnSequences(true))
                .add(new Dense(null, 1, Activation.LINEAR, true, 2L));
    }

    @Test
    void unregisteredUserCellFailsAtSaveAndWritesNothing() throws Exception {
        Sequential m = model(false);
        m.build();
        var e = assertThrows(IllegalArgumentException.class, () -> m.save(dir.resolve("m.rnn4j")));
        assertTrue(e.getMessage().contains("CellConfigs.register"), e.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void registeredUserCellRoundTripsBitForBit() throws Exception {
        CellConfigs.register("MinimalCell", c -> new MinimalCell(Configs.getInt("MinimalCell", c, "units"), true));
        Sequential m = model(true);
        Random r = new Random(3);
        float[] xs = new float[2 * 6 * 3];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) r.nextGaussian();
        }
        Tensor x = B.fromArray(xs, 2, 6, 3);
        float[] before = m.predict(x).toArray();
        Path f = dir.resolve("user.rnn4j");
        m.save(f);
        assertArrayEquals(before, Sequential.load(f, B).predict(x).toArray(), 0f);
    }
}
