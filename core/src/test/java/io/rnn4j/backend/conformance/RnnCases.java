package io.rnn4j.backend.conformance;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;

import java.util.ArrayList;
import java.util.List;

/**
 * The matrix of fused-kernel cases every backend is checked on: each cell (GRU in both
 * {@code reset_after} modes) with every option alone and all together, at odd sizes (batch 1,
 * sizes that are not multiples of 8 or 16).
 */
public final class RnnCases {
    private RnnCases() {
    }

    /** Every case, named after its options. */
    public static List<RnnCase> all() {
        List<RnnCase> cases = new ArrayList<>();
        long seed = 100;
        for (CellType cell : CellType.values()) {
            for (boolean resetAfter : cell == CellType.GRU ? new boolean[] {true, false} : new boolean[] {false}) {
                cases.add(b(cell, resetAfter, 3, 5, 7, 5).seed(seed++).build());
                cases.add(b(cell, resetAfter, 1, 7, 13, 3).seed(seed++).build());
                cases.add(b(cell, resetAfter, 3, 7, 5, 7).mask(0.6, true).initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 3, 6, 5, 3).mask(0.5, true).zeroOutputForMask().initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 7, 3, 5).goBackwards().mask(0.6, true).initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 5, 3, 5).goBackwards().seed(seed++).build());
                cases.add(b(cell, resetAfter, 3, 5, 7, 5).dropout(0.3).recurrentDropout(0.25).seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 5, 5, 3).dropout(0.4).seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 5, 5, 3).recurrentDropout(0.4).initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 5, 5, 3).noBias().initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 3, 5, 5, 5).activations(Activation.RELU, Activation.HARD_SIGMOID).seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 4, 3, 5).activations(Activation.LINEAR, Activation.SIGMOID).seed(seed++).build());
                if (cell == CellType.SIMPLE_RNN) {
                    cases.add(b(cell, resetAfter, 2, 4, 3, 5).activations(Activation.HARD_SIGMOID, Activation.SIGMOID).seed(seed++).build());
                } else {
                    cases.add(b(cell, resetAfter, 2, 4, 3, 5).activations(Activation.TANH, Activation.LINEAR).seed(seed++).build());
                }
                cases.add(b(cell, resetAfter, 2, 3, 5, 17).initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 2, 4, 5, 3).inputScale(30).initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 3, 5, 3, 5).noOutputGradient().noInputGradients().initialStates().seed(seed++).build());
                cases.add(b(cell, resetAfter, 3, 7, 5, 7).mask(0.5, true).zeroOutputForMask().goBackwards().initialStates()
                        .dropout(0.3).recurrentDropout(0.3).noFinalStateGradients().seed(seed++).build());
                cases.add(b(cell, resetAfter, 1, 5, 3, 3).mask(0.5, true).goBackwards().initialStates()
                        .dropout(0.2).recurrentDropout(0.2).noBias().activations(Activation.RELU, Activation.HARD_SIGMOID)
                        .seed(seed++).build());
            }
        }
        return cases;
    }

    private static RnnCase.Builder b(CellType cell, boolean resetAfter, int batch, int time, int in, int units) {
        return RnnCase.builder(cell, batch, time, in, units).resetAfter(resetAfter);
    }
}
