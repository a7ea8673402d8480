package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.cell.Cell;
import io.rnn4j.cell.GruCell;
import io.rnn4j.cell.LstmCell;
import io.rnn4j.cell.SimpleRnnCell;
import io.rnn4j.cell.StackedCells;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.rnn4j.layer.LayerGradients.F64;
import static io.rnn4j.layer.LayerGradients.check;
import static io.rnn4j.layer.LayerGradients.mask;
import static io.rnn4j.layer.LayerGradients.random;

/**
 * Every Rnn layer option checked end to end (dx, initial-state and weight gradients) against
 * central finite differences in float64: the layer runs on the op-recorded path of the float64
 * backend, so the check covers the layer's own slicing, reversal, masking and state handling.
 */
class RnnLayerGradientTest {
    private static final double TOL = 1e-6;

    private static Rnn layer(Cell cell, int in) {
        Rnn r = new Rnn(cell).useFusedKernels(false);
        r.build(F64, new int[] {-1, in});
        return r;
    }

    private static void checkLayer(Rnn r, int b, int t, int in, boolean withMask, boolean withInit, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Tensor x = random(rnd, b, t, in);
        Tensor m = withMask ? mask(rnd, b, t) : null;
        List<Tensor> init = null;
        if (withInit) {
            int[] sizes = r.cell().stateSizes();
            Tensor[] s = new Tensor[sizes.length];
            for (int k = 0; k < sizes.length; k++) {
                s[k] = random(rnd, b, sizes[k]);
            }
            init = List.of(s);
        }
        check(r, (xx, ii, training) -> r.call(xx, m, ii, training), r::backward, x, init, seed + 1, TOL);
    }

    @Test
    void lastOutputOnly() {
        checkLayer(layer(new LstmCell(3).seed(1), 2), 2, 4, 2, false, false, 1);
    }

    @Test
    void returnSequencesWithInitialStates() {
        checkLayer(layer(new GruCell(3).seed(2), 4).returnSequences(true), 2, 3, 4, false, true, 2);
    }

    @Test
    void goBackwardsReturnSequences() {
        checkLayer(layer(new SimpleRnnCell(4).seed(3), 3).returnSequences(true).goBackwards(true), 3, 4, 3, false, true, 3);
    }

    @Test
    void maskedCarriesStateAndPreviousOutput() {
        checkLayer(layer(new LstmCell(2).seed(4), 3).returnSequences(true), 3, 5, 3, true, true, 4);
    }

    @Test
    void maskedZeroOutputBackwards() {
        checkLayer(layer(((GruCell) new GruCell(3).seed(5)).resetAfter(false), 2).returnSequences(true)
                .zeroOutputForMask(true).goBackwards(true), 2, 5, 2, true, true, 5);
    }

    @Test
    void maskedLastOutput() {
        checkLayer(layer(new SimpleRnnCell(3).seed(6), 2), 4, 4, 2, true, false, 6);
    }

    @Test
    void stackedCells() {
        checkLayer(layer(new StackedCells(new LstmCell(3).seed(7), new GruCell(2).seed(8)), 2).returnSequences(true),
                2, 3, 2, true, true, 7);
    }

    @Test
    void bidirectionalEveryMergeMode() {
        for (String mode : new String[] {"concat", "sum", "mul", "ave"}) {
            Rnn f = new Rnn(new LstmCell(3).seed(9)).useFusedKernels(false).returnSequences(true);
            Rnn bw = new Rnn(new LstmCell(3).seed(10)).useFusedKernels(false).returnSequences(true).goBackwards(true);
            Bidirectional bi = new Bidirectional(f, bw, mode);
            bi.build(F64, new int[] {-1, 2});
            SplittableRandom rnd = new SplittableRandom(11);
            Tensor x = random(rnd, 2, 4, 2);
            Tensor m = mask(rnd, 2, 4);
            List<Tensor> init = List.of(random(rnd, 2, 3), random(rnd, 2, 3), random(rnd, 2, 3), random(rnd, 2, 3));
            check(bi, (xx, ii, tr) -> bi.call(xx, m, ii, tr), bi::backward, x, init, 12, TOL);
        }
    }

    @Test
    void bidirectionalLastOutput() {
        Rnn f = new Rnn(new GruCell(2).seed(13)).useFusedKernels(false);
        Rnn bw = new Rnn(new GruCell(2).seed(14)).useFusedKernels(false).goBackwards(true);
        Bidirectional bi = new Bidirectional(f, bw, "mul");
        bi.build(F64, new int[] {-1, 3});
        SplittableRandom rnd = new SplittableRandom(15);
        Tensor x = random(rnd, 2, 3, 3);
        check(bi, (xx, ii, tr) -> bi.call(xx, null, ii, tr), bi::backward, x, null, 16, TOL);
    }
}
