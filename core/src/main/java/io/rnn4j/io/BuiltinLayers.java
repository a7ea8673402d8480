package io.rnn4j.io;

import io.rnn4j.layer.RecurrentLayers;

/** Registers the factories of the built-in layers other than {@code Dense}. */
final class BuiltinLayers {
    private BuiltinLayers() {
    }

    static void registerAll() {
        // RNN, SimpleRNN, LSTM, GRU, Bidirectional
        RecurrentLayers.FACTORIES.forEach(LayerRegistry::register);
    }
}
