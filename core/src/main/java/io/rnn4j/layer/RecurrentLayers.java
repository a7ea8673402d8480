package io.rnn4j.layer;

import java.util.Map;
import java.util.function.Function;

/**
 * The config factories of the recurrent layers, by Keras type name: {@code RNN},
 * {@code SimpleRNN}, {@code LSTM}, {@code GRU}, {@code Bidirectional}. A model loader registers
 * {@link #FACTORIES} (e.g. in {@code io.rnn4j.io.LayerRegistry}).
 */
public final class RecurrentLayers {
    /** Factory per Keras type name. */
    public static final Map<String, Function<Map<String, Object>, Layer>> FACTORIES = Map.of(
            "RNN", Rnn::fromConfig,
            "SimpleRNN", SimpleRnn::fromConfig,
            "LSTM", Lstm::fromConfig,
            "GRU", Gru::fromConfig,
            "Bidirectional", Bidirectional::fromConfig);

    private RecurrentLayers() {
    }

    /** A new, unbuilt recurrent layer of Keras type {@code type} from its config. */
    public static Layer fromConfig(String type, Map<String, Object> config) {
        Function<Map<String, Object>, Layer> f = FACTORIES.get(type);
        if (f == null) {
            throw new IllegalArgumentException("not a recurrent layer type: '" + type + "'; expected one of " + FACTORIES.keySet());
        }
        return f.apply(config);
    }
}
