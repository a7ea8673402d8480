/**
 * The {@code java} reference backend: every {@link io.rnn4j.backend.Backend} operation written
 * plainly on {@code float[]} storage, the yardstick the conformance suite holds the other
 * backends to.
 *
 * <p>The fused recurrent kernels ({@link io.rnn4j.backend.java.JavaRnnKernels}) have the shape
 * of cuDNN's RNN API: the input projection of all timesteps is one GEMM over the
 * {@code (batch*time, input)} view of x, only the recurrent GEMM {@code h·U} runs inside the time
 * loop followed by one pointwise pass per cell ({@code SimpleRnnKernel}, {@code LstmKernel},
 * {@code GruResetAfterKernel}, {@code GruResetBeforeKernel}, each with forward and backward side
 * by side), and the weight gradients are one GEMM each after the reverse walk. Per-step
 * activations live in a {@code JavaRnnWorkspace} sized once per (batch, time).
 */
package io.rnn4j.backend.java;
