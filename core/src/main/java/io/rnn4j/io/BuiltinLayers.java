package io.rnn4j.io;

/** Registers the factories of the built-in layers other than {@code Dense}. */
final class BuiltinLayers {
    private BuiltinLayers() {
    }

    static void registerAll() {
        // The recurrent layers register here once they exist in io.rnn4j.layer.
    }
}
