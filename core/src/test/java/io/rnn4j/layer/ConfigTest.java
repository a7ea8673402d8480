package io.rnn4j.layer;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.CellConfigs;
import io.rnn4j.cell.GruCell;
import io.rnn4j.cell.LstmCell;
import io.rnn4j.cell.StackedCells;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keras type names and configs, and rebuilding layers from them. */
class ConfigTest {
    private static final Backend JAVA = Backends.get("java");

    @Test
    void kerasNamedLayersRoundTrip() {
        Lstm l = new Lstm(7).returnSequences(true).goBackwards(true).dropout(0.25).unitForgetBias(false)
                .recurrentActivation(Activation.HARD_SIGMOID).name("enc");
        Map<String, Object> c = l.config();
        assertEquals("LSTM", l.type());
        assertEquals(7, c.get("units"));
        assertEquals("hard_sigmoid", c.get("recurrent_activation"));
        assertEquals(false, c.get("unit_forget_bias"));
        assertEquals(true, c.get("return_sequences"));
        Layer back = RecurrentLayers.fromConfig("LSTM", c);
        assertEquals(c, back.config());

        Gru g = new Gru(3).resetAfter(false).name("g");
        assertEquals(g.config(), RecurrentLayers.fromConfig("GRU", g.config()).config());
        SimpleRnn s = new SimpleRnn(2).activation(Activation.RELU).stateful(true).name("s");
        assertEquals("SimpleRNN", s.type());
        assertEquals(s.config(), RecurrentLayers.fromConfig("SimpleRNN", s.config()).config());
    }

    @Test
    void genericRnnWithStackedCells() {
        Rnn r = new Rnn(new StackedCells(new LstmCell(3), new GruCell(2).resetAfter(false))).name("stack");
        Map<String, Object> c = r.config();
        assertEquals("RNN", r.type());
        Rnn back = (Rnn) RecurrentLayers.fromConfig("RNN", c);
        assertEquals(c, back.config());
        back.build(JAVA, new int[] {-1, 4});
        r.build(JAVA, new int[] {-1, 4});
        assertEquals(r.parameters().size(), back.parameters().size());
        for (int i = 0; i < r.parameters().size(); i++) {
            assertArrayEquals(r.parameters().get(i).shape(), back.parameters().get(i).shape());
        }
    }

    @Test
    void bidirectionalRoundTripAndWeightOrder() {
        Bidirectional bi = new Bidirectional(new Gru(3).returnSequences(true).name("g"), "sum");
        bi.build(JAVA, new int[] {-1, 2});
        assertEquals("forward_g", bi.forwardLayer().name());
        assertEquals("backward_g", bi.backwardLayer().name());
        assertTrue(bi.backwardLayer().goBackwards() && bi.backwardLayer().zeroOutputForMask());
        assertEquals(6, bi.parameters().size());
        assertArrayEquals(new int[] {-1, 3}, bi.outputShape(new int[] {-1, 2}));
        Bidirectional back = (Bidirectional) RecurrentLayers.fromConfig("Bidirectional", bi.config());
        assertEquals(bi.config(), back.config());
        assertArrayEquals(new int[] {-1, 6}, new Bidirectional(new Lstm(3).returnSequences(true)).outputShape(new int[] {-1, 2}));
    }

    @Test
    void userCellsCannotBeRebuiltWithAClearError() {
        Rnn r = new Rnn(new SeedArticleCellsTest.MinimalRnnCell(3, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::config);
        assertTrue(e.getMessage().contains("MinimalRnnCell") && e.getMessage().contains("CellConfigs.register"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bidirectional(r));
        assertThrows(IllegalArgumentException.class, () -> CellConfigs.fromConfig(Map.of("class_name", "Nope", "config", Map.of())));
    }
}
