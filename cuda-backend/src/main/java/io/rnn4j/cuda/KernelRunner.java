package io.rnn4j.cuda;

/**
 * Runs a kernel's math for {@link EmulatedDevice}: {@link JavaKernels} in Java, or (in the tests)
 * the g++-compiled {@code .cu} source itself. Pointer arguments point into {@link EmulatedDevice}
 * buffers; arguments were already checked against {@link Kernel#signature()}.
 */
public interface KernelRunner {
    void run(Kernel kernel, long elements, Object[] args);
}
