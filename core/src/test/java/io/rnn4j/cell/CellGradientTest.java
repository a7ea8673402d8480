package io.rnn4j.cell;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every built-in cell on the op-recorded path against central finite differences in float64. */
class CellGradientTest {

    private static void assertPasses(GradientCheckReport r) {
        assertTrue(r.passed(), r.toString());
        assertTrue(r.float32MaxRelativeError() < 2e-3, "float32 path differs: " + r);
    }

    private static <C extends Cell> C built(C c, int in) {
        c.build(Backends.get("java"), in);
        return c;
    }

    @Test
    void simpleRnn() {
        assertPasses(GradientChecker.check(built(new SimpleRnnCell(3).seed(1), 4), 4, 2, 4, 7));
    }

    @Test
    void simpleRnnNoBiasSigmoid() {
        SimpleRnnCell c = new SimpleRnnCell(5);
        c.useBias(false).activation(Activation.SIGMOID).seed(2);
        assertPasses(GradientChecker.check(built(c, 3), 3, 1, 5, 8));
    }

    @Test
    void lstm() {
        assertPasses(GradientChecker.check(built(new LstmCell(3).seed(3), 2), 2, 2, 4, 9));
    }

    @Test
    void lstmMaskedBackwardsWithDropout() {
        LstmCell c = built((LstmCell) new LstmCell(3).dropout(0.3).recurrentDropout(0.25).seed(4), 5);
        assertPasses(GradientChecker.of(c, 5).batch(3).time(5).mask(true).goBackwards(true).dropout(0.3).seed(10).check());
    }

    @Test
    void gruResetAfter() {
        assertPasses(GradientChecker.check(built(new GruCell(4).seed(5), 3), 3, 2, 4, 11));
    }

    @Test
    void gruResetBeforeMaskedZeroOutput() {
        GruCell c = new GruCell(3).resetAfter(false);
        c.seed(6);
        assertPasses(GradientChecker.of(built(c, 2), 2).batch(2).time(5).mask(true).zeroOutputForMask(true).seed(12).check());
    }

    @Test
    void gruDropoutNoBias() {
        GruCell c = new GruCell(3);
        c.useBias(false).recurrentDropout(0.4).seed(7);
        assertPasses(GradientChecker.of(built(c, 4), 4).dropout(0.4).seed(13).check());
    }

    @Test
    void stackedCellsEachWithTheirOwnDropoutMasks() {
        StackedCells c = new StackedCells(new LstmCell(3).dropout(0.3).recurrentDropout(0.2).seed(8),
                new GruCell(2).recurrentDropout(0.3).seed(9), new SimpleRnnCell(2).dropout(0.2).seed(10));
        c.build(Backends.get("java"), 3);
        assertPasses(GradientChecker.of(c, 3).batch(2).time(4).mask(true).dropout(0.3).seed(14).check());
    }
}
