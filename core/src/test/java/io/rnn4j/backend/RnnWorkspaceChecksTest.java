package io.rnn4j.backend;

import io.rnn4j.Tensor;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RnnWorkspaceChecks#checkOwned}, the ownership check both host backends' fused runs make
 * before writing: every given tensor, forward and backward, required ones also when missing.
 */
class RnnWorkspaceChecksTest {
    private final JavaBackend be = new JavaBackend();
    private final JavaBackend other = new JavaBackend();

    private RnnForwardArgs forward(Tensor output, Tensor finalC) {
        return new RnnForwardArgs(be.zeros(2, 3, 4), be.zeros(4, 8), be.zeros(2, 8), be.zeros(8),
                null, null, null, null, null, false, false, true, output, be.zeros(2, 2), finalC);
    }

    private RnnBackwardArgs backward(Tensor dBias) {
        return new RnnBackwardArgs(be.zeros(2, 3, 2), null, null, null, null, null,
                be.zeros(4, 8), be.zeros(2, 8), dBias);
    }

    @Test
    void ownTensorsPassAndAbsentOptionalOnesAreSkipped() {
        assertDoesNotThrow(() -> RnnWorkspaceChecks.checkOwned(be, forward(be.zeros(2, 3, 2), null), null));
        assertDoesNotThrow(() -> RnnWorkspaceChecks.checkOwned(be, forward(be.zeros(2, 3, 2), null), backward(null)));
    }

    @Test
    void foreignOrMissingTensorIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RnnWorkspaceChecks.checkOwned(be, forward(be.zeros(2, 3, 2), other.zeros(2, 2)), null));
        assertTrue(e.getMessage().contains("finalC"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RnnWorkspaceChecks.checkOwned(be, forward(be.zeros(2, 3, 2), null), backward(other.zeros(8))));
        assertTrue(e.getMessage().contains("dBias"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RnnWorkspaceChecks.checkOwned(be, forward(null, null), null));
        assertTrue(e.getMessage().contains("output must not be null"), e.getMessage());
    }
}
