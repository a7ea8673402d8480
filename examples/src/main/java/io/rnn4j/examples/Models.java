package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Lstm;
import io.rnn4j.model.Input;
import io.rnn4j.model.Sequential;

/** The forecaster of the main job. */
final class Models {
    private Models() {
    }

    /** {@code Sequential([Input((window, 1)), LSTM(32), Dense(1)])} with seeded initializers. */
    static Sequential forecaster(Backend backend, int window, long seed) {
        return new Sequential("co2_forecaster").onBackend(backend)
                .add(Input.of(window, 1))
                .add(new Lstm(32).seed(seed).name("lstm"))
                .add(new io.rnn4j.layer.Dense("dense", 1, io.rnn4j.backend.Activation.LINEAR, true, seed + 1));
    }
}
