package io.rnn4j.backend.java;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.conformance.RnnCase;
import io.rnn4j.backend.conformance.RnnReference;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the float64 reference's own gradients (its scalar tape) against central finite
 * differences of its loss, in float64, for every cell and option, so that comparing the fused
 * kernels with the reference is a comparison with something known to be right.
 */
class RnnReferenceGradientTest {
    private static final double EPS = 1e-6;

    static List<RnnCase> cases() {
        List<RnnCase> cases = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (boolean resetAfter : cell == CellType.GRU ? new boolean[] {true, false} : new boolean[] {false}) {
                cases.add(b(cell, resetAfter, 2, 4, 3, 3).initialStates().mask(0.6, true).seed(1).build());
                cases.add(b(cell, resetAfter, 2, 4, 3, 2).initialStates().mask(0.6, true).zeroOutputForMask()
                        .goBackwards().seed(2).build());
                cases.add(b(cell, resetAfter, 2, 3, 3, 3).dropout(0.3).recurrentDropout(0.4).initialStates().seed(3).build());
                cases.add(b(cell, resetAfter, 1, 3, 2, 3).noBias().activations(Activation.RELU, Activation.HARD_SIGMOID)
                        .initialStates().seed(4).build());
                cases.add(b(cell, resetAfter, 2, 3, 2, 2).activations(Activation.LINEAR, Activation.SIGMOID)
                        .noOutputGradient().seed(5).build());
            }
        }
        return cases;
    }

    private static RnnCase.Builder b(CellType cell, boolean resetAfter, int batch, int time, int in, int units) {
        return RnnCase.builder(cell, batch, time, in, units).resetAfter(resetAfter);
    }

    @TestFactory
    Stream<DynamicTest> referenceGradientsMatchFiniteDifferences() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name, () -> check(c)));
    }

    private static void check(RnnCase c) {
        List<String> params = new ArrayList<>(List.of("x", "kernel", "recurrentKernel", "initialH"));
        if (c.bias != null) {
            params.add("bias");
        }
        if (c.spec.states() == 2) {
            params.add("initialC");
        }
        for (String p : params) {
            double[] tape = RnnReference.gradient(c, p);
            double max = 0;
            for (double v : tape) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < tape.length; i++) {
                double fd = (RnnReference.loss(c, p, i, EPS) - RnnReference.loss(c, p, i, -EPS)) / (2 * EPS);
                double bound = 1e-6 * (Math.abs(fd) + max) + 1e-8;
                if (!(Math.abs(fd - tape[i]) <= bound)) {
                    fail(c.name + ": d loss / d " + p + "[" + i + "]: tape " + tape[i] + ", finite difference " + fd);
                }
            }
        }
    }
}
