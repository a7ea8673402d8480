package io.rnn4j;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    private final Backend java = new JavaBackend();

    @Test
    void fromArrayCopiesAndReportsShape() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = java.fromArray(data, 2, 3);
        data[0] = 99;
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toArray());
        assertEquals(3, t.dim(-1));
        assertEquals(2, t.rank());
        assertEquals(6, t.size());
    }

    @Test
    void reshapeSharesStorageAndChecksSize() {
        Tensor t = java.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor v = t.reshape(3, 2);
        assertTrue(t.hasShape(2, 3) && t.hasShape(new int[] {2, 3}) && v.hasShape(3, 2));
        assertFalse(t.hasShape(3, 2) || t.hasShape(2, 3, 1) || t.hasShape(2) || t.reshape(1, 2, 3).hasShape(2, 3));
        assertTrue(t.reshape(1, 2, 3).hasShape(1, 2, 3) && !t.reshape(1, 2, 3).hasShape(1, 3, 2));
        java.fill(v, 7f);
        assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, t.toArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
    }

    @Test
    void useAfterCloseIsAnError() {
        Tensor t = java.zeros(2, 2);
        Tensor v = t.reshape(4);
        t.close();
        assertThrows(IllegalStateException.class, t::toArray);
        assertThrows(IllegalStateException.class, v::toArray, "a view of a closed tensor is closed too");
        t.close(); // closing twice is harmless
    }

    @Test
    void badShapesAndDataLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> java.zeros(2, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> java.fromArray(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.sizeOf(65536, 65536));
    }

    @Test
    void tensorsOfAnotherBackendAreRejected() {
        Backend other = new JavaBackend();
        Tensor a = java.zeros(3);
        Tensor b = other.zeros(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> java.add(a, b, a));
        assertTrue(e.getMessage().contains("cannot be mixed"), e.getMessage());
    }
}
