/**
 * Recurrent cells, the Keras {@code RNNCell} way: a {@link io.rnn4j.cell.Cell} declares its
 * state sizes and output size, its weights in a lazy {@code build(inputSize)}, and one step
 * written with the primitives of the op recorder {@link io.rnn4j.cell.Ops}; backpropagation
 * through time comes from the primitives' hand-written adjoints ({@link io.rnn4j.cell.SequenceRunner}).
 * {@link io.rnn4j.cell.GradientChecker} checks any cell against float64 finite differences in
 * one call.
 *
 * <p>The three cells of the seed article, in rnn4j (the tests {@code SeedArticleCellsTest} run
 * them):
 *
 * <p><b>(1) A minimal cell</b>: concatenate input and previous state, apply {@code kernel} and
 * {@code bias}, output {@code tanh}; the next state is {@code output · recurrent_kernel}.
 * <pre>{@code
 * class MinimalRnnCell extends Cell {
 *     final int units;
 *     Weight kernel, bias, recurrentKernel;
 *     MinimalRnnCell(int units) { this.units = units; }
 *     public int[] stateSizes() { return new int[] {units}; }
 *     public int outputSize() { return units; }
 *     protected void build(int inputSize) {
 *         // the article sized this (units + units, units): with inputSize != units, build() fails
 *         // with "matmul of (1, inputSize + units) and weight 'kernel' [2 units, units]: ..." naming both sizes
 *         kernel = addWeight("kernel", Initializers.glorotUniform(), inputSize + units, units);
 *         bias = addWeight("bias", Initializers.zeros(), units);
 *         recurrentKernel = addWeight("recurrent_kernel", Initializers.orthogonal(), units, units);
 *     }
 *     public Step call(Ops ops, Var x, Var[] states) {
 *         Var output = ops.tanh(ops.add(ops.matmul(ops.concat(x, states[0]), kernel), bias));
 *         return Step.of(output, ops.matmul(output, recurrentKernel));
 *     }
 * }
 * GradientCheckReport report = GradientChecker.check(new MinimalRnnCell(4), 3, 2, 5, 42L);
 * }</pre>
 *
 * <p><b>(2) In a model</b>: {@code keras.Sequential([RNN(MinimalRNNCell(32), return_sequences=True), Dense(1)])}
 * <pre>{@code
 * Sequential model = new Sequential().add(Input.of(Input.NONE, 3))
 *         .add(new Rnn(new MinimalRnnCell(32)).returnSequences(true))
 *         .add(new Dense(1));
 * }</pre>
 *
 * <p><b>(3) Two states</b> ({@code state_size = [units, units]}): {@code stateSizes()} returns
 * two entries, {@code call} receives {@code states[0]}, {@code states[1]} and returns
 * {@code Step.of(output, nextState0, nextState1)}.
 *
 * <p>Built-in cells: {@link io.rnn4j.cell.SimpleRnnCell}, {@link io.rnn4j.cell.LstmCell},
 * {@link io.rnn4j.cell.GruCell} (Keras 3 formulas, layouts and defaults; fused backend kernels
 * inside an {@link io.rnn4j.layer.Rnn}), and {@link io.rnn4j.cell.StackedCells}.
 */
package io.rnn4j.cell;
