package io.rnn4j.loss;

import io.rnn4j.io.Configs;

import java.util.Map;

/** Losses by Keras name, for {@code compile} with a string and for loading saved models. */
public final class Losses {
    private Losses() {
    }

    /** {@code "mse"}, {@code "mean_squared_error"}, {@code "mae"}, {@code "huber"}, {@code "binary_crossentropy"}, ... */
    public static Loss get(String name) {
        return fromConfig(name, Map.of());
    }

    /** A loss from its name and {@link Loss#config()}. */
    public static Loss fromConfig(String name, Map<String, Object> config) {
        String n = name == null ? "" : name;
        return switch (n) {
            case "mse", "mean_squared_error", "MeanSquaredError" -> new MeanSquaredError();
            case "mae", "mean_absolute_error", "MeanAbsoluteError" -> new MeanAbsoluteError();
            case "huber", "huber_loss", "Huber" -> new Huber(config.containsKey("delta")
                    ? Configs.getDouble(n, config, "delta") : 1.0);
            case "binary_crossentropy", "bce", "BinaryCrossentropy" -> new BinaryCrossentropy(
                    config.containsKey("from_logits") && Configs.getBoolean(n, config, "from_logits"));
            case "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy" -> new SparseCategoricalCrossentropy(
                    config.containsKey("from_logits") && Configs.getBoolean(n, config, "from_logits"));
            default -> throw new IllegalArgumentException("unknown loss '" + name + "'; expected one of mse, mae, huber, "
                    + "binary_crossentropy, sparse_categorical_crossentropy");
        };
    }
}
