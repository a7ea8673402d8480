package io.rnn4j.simd;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.conformance.Compare;
import io.rnn4j.backend.conformance.RnnCase;
import io.rnn4j.backend.conformance.RnnResult;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels at sizes the conformance suite does not reach: batches large enough for the
 * packed GEMM path and for splitting each step across threads, odd sizes (batch 37, units not a
 * multiple of the vector width), against the java reference, bit-identical run to run, and
 * bit-identical between one and two threads (a row's arithmetic does not depend on the chunk it
 * falls in, however the step is cut). Inference (the per-step input projection into the gate
 * ring) is checked against java and against the training forward bit for bit.
 */
class SimdRnnTest {
    private static final SimdBackend TWO = new SimdBackend(2);
    private static final SimdBackend ONE = new SimdBackend(1);
    private static final JavaBackend JAVA = new JavaBackend();

    @AfterAll
    static void close() {
        TWO.close();
        ONE.close();
    }

    private static List<RnnCase> cases() {
        List<RnnCase> cases = new ArrayList<>();
        long seed = 900;
        for (CellType cell : CellType.values()) {
            for (boolean resetAfter : cell == CellType.GRU ? new boolean[] {true, false} : new boolean[] {false}) {
                int units = cell == CellType.SIMPLE_RNN ? 181 : cell == CellType.LSTM ? 90 : 101;
                cases.add(RnnCase.builder(cell, 37, 4, 19, units).resetAfter(resetAfter).initialStates()
                        .seed(seed++).build());
                cases.add(RnnCase.builder(cell, 37, 4, 19, units).resetAfter(resetAfter).mask(0.7, true)
                        .goBackwards().initialStates().dropout(0.2).recurrentDropout(0.3).seed(seed++).build());
                // per-step input projection (no input dropout) with masks and go_backwards; and a
                // batch of 6: one full sliver and a partial one
                cases.add(RnnCase.builder(cell, 37, 5, 19, units).resetAfter(resetAfter).mask(0.7, true)
                        .goBackwards().initialStates().seed(seed++).build());
                cases.add(RnnCase.builder(cell, 6, 5, 23, units).resetAfter(resetAfter).mask(0.8, false)
                        .zeroOutputForMask().seed(seed++).build());
                // 40 steps: on two threads each row chunk runs through the whole walk with no join
                // between steps, so the threads drift apart by several steps
                cases.add(RnnCase.builder(cell, 37, 40, 19, units).resetAfter(resetAfter).mask(0.8, false)
                        .initialStates().seed(seed++).build());
                // no bias: the stacked step product (LSTM, SimpleRNN) without its column of ones
                cases.add(RnnCase.builder(cell, 7, 4, 19, units).resetAfter(resetAfter).noBias().mask(0.8, false)
                        .initialStates().seed(seed++).build());
                if (cell != CellType.GRU) {
                    // the stacked step product [x, h]·[W; U] (LSTM, SimpleRNN) deeper than a K block
                    int deep = Gemm.KC + 7 - 19;
                    cases.add(RnnCase.builder(cell, 37, 4, 19, deep).mask(0.8, false).goBackwards()
                            .initialStates().seed(seed++).build());
                }
                // W larger than STEP_PROJECTION_MAX_W: the input projection is one GEMM over all steps
                // (no dropout), and inference keeps every step's gates instead of the ring
                int gateWidth = units * (cell == CellType.SIMPLE_RNN ? 1 : cell == CellType.LSTM ? 4 : 3);
                int wideInput = (int) (SimdRnnRun.STEP_PROJECTION_MAX_W / gateWidth) + 7;
                cases.add(RnnCase.builder(cell, 9, 3, wideInput, units).resetAfter(resetAfter).mask(0.7, true)
                        .initialStates().seed(seed++).build());
                // batch 1, units large enough that the step's GEMV is split by columns across threads
                int wide = cell == CellType.SIMPLE_RNN ? 370 : cell == CellType.LSTM ? 200 : 210;
                cases.add(RnnCase.builder(cell, 1, 4, 19, wide).resetAfter(resetAfter).mask(0.7, true)
                        .initialStates().dropout(0.2).seed(seed++).build());
                // batches 1 and 3 backwards with enough steps for the GEMV panels (four-block full
                // panels and row-major partial ones, on one thread and in each thread's column
                // range on two); the batch-1 case above (4 steps) reads U in place
                int panelUnits = cell == CellType.SIMPLE_RNN ? 600 : cell == CellType.LSTM ? 200 : 300;
                for (int batch : new int[] {1, 3}) {
                    cases.add(RnnCase.builder(cell, batch, SimdRnnRun.GEMV_PANELS_MIN_TIME, 13, panelUnits).resetAfter(resetAfter)
                            .mask(0.8, false).goBackwards().initialStates().seed(seed++).build());
                }
                // U larger than UNIT_SPLIT_MIN_U: on two threads the forward steps of the cells that
                // allow it are cut by unit ranges (units not a multiple of the panel width), on one
                // thread by rows; the whole-sequence projection under input dropout or a wide W
                int big = bigUnits(cell);
                cases.add(RnnCase.builder(cell, 6, 3, 11, big).resetAfter(resetAfter).mask(0.7, true)
                        .goBackwards().initialStates().dropout(0.2).seed(seed++).build());
                int bigWidth = big * (gateWidth / units);
                cases.add(RnnCase.builder(cell, 5, 2, (int) (SimdRnnRun.STEP_PROJECTION_MAX_W / bigWidth) + 3, big)
                        .resetAfter(resetAfter).mask(0.8, false).zeroOutputForMask().seed(seed++).build());
            }
        }
        return cases;
    }

    /**
     * The bias gradient sums B*T rows of dG: over a long sequence, sums kept in float would drift
     * from the reference's float64 ones by up to T roundings (the rows' gradients largely cancel).
     */
    @Test
    void biasGradientOfALongSequenceMatchesJava() {
        long seed = 4100;
        for (CellType cell : CellType.values()) {
            for (boolean resetAfter : cell == CellType.GRU ? new boolean[] {true, false} : new boolean[] {false}) {
                RnnCase c = RnnCase.builder(cell, 5, 3000, 3, 7).resetAfter(resetAfter).seed(seed++).build();
                double[] want = c.run(JAVA).get("dBias");
                double[] got = c.run(TWO).get("dBias");
                double scale = 0;
                for (double w : want) {
                    scale = Math.max(scale, Math.abs(w));
                }
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-6 * scale, "dBias[" + i + "] of " + c);
                }
            }
        }
    }

    /** Units whose U is just above {@link SimdRnnRun#UNIT_SPLIT_MIN_U}. */
    private static int bigUnits(CellType cell) {
        return (int) Math.sqrt((double) SimdRnnRun.UNIT_SPLIT_MIN_U / cell.gates()) + 45;
    }

    @Test
    void lstmWithALargeRecurrentKernelCutsStepsByUnitsOnTwoThreads() {
        int big = bigUnits(CellType.LSTM);
        RnnSpec spec = new RnnSpec(CellType.LSTM, 11, big, Activation.TANH, Activation.SIGMOID, true, false);
        assertTrue(((SimdRnnWorkspace) TWO.rnnWorkspace(spec, 6, 3)).run.unitSplitFits(),
                "the cases above would not exercise the unit split");
        assertFalse(((SimdRnnWorkspace) ONE.rnnWorkspace(spec, 6, 3)).run.unitSplitFits());
        RnnSpec small = new RnnSpec(CellType.LSTM, 11, 90, Activation.TANH, Activation.SIGMOID, true, false);
        assertFalse(((SimdRnnWorkspace) TWO.rnnWorkspace(small, 6, 3)).run.unitSplitFits());
        assertFalse(((SimdRnnWorkspace) TWO.rnnWorkspace(spec, 2 * SimdRnnRun.UNIT_SPLIT_MAX_ROWS, 3)).run.unitSplitFits(),
                "enough rows per thread: row chunks");
    }

    @TestFactory
    List<DynamicTest> largeBatchMatchesJavaAndIsReproducible() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RnnCase c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                RnnResult want = c.run(JAVA);
                RnnResult two = c.run(TWO, 2);
                Compare.assertClose("simd(2 threads) " + c, want, two, 5e-5, 1e-6);
                RnnResult again = c.run(TWO);
                for (Map.Entry<String, double[]> e : two.all().entrySet()) {
                    assertArrayEquals(e.getValue(), again.get(e.getKey()), "not reproducible: " + e.getKey() + " of " + c);
                }
                RnnResult one = c.run(ONE);
                for (Map.Entry<String, double[]> e : two.all().entrySet()) {
                    assertArrayEquals(e.getValue(), one.get(e.getKey()), "1 vs 2 threads differ: " + e.getKey() + " of " + c);
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> inferenceMatchesJavaAndTheTrainingForward() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RnnCase c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                RnnResult want = c.forward(JAVA, false);
                RnnResult two = c.forward(TWO, false);
                Compare.assertClose("simd(2 threads, inference) " + c, want, two, 5e-5, 1e-6);
                RnnResult training = c.forward(TWO, true);
                RnnResult one = c.forward(ONE, false);
                for (Map.Entry<String, double[]> e : two.all().entrySet()) {
                    // the gate ring changes where gates live, not how they are computed
                    assertArrayEquals(training.get(e.getKey()), e.getValue(), "inference vs training forward: " + e.getKey() + " of " + c);
                    assertArrayEquals(one.get(e.getKey()), e.getValue(), "1 vs 2 threads differ: " + e.getKey() + " of " + c);
                }
            }));
        }
        return tests;
    }
}
