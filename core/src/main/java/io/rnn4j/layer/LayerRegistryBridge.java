package io.rnn4j.layer;

import java.util.Map;

/** Rebuilds the recurrent layers this package defines from their configs (used by {@link Bidirectional}). */
final class LayerRegistryBridge {
    private LayerRegistryBridge() {
    }

    static Layer create(String type, Map<String, Object> config) {
        return RecurrentLayers.fromConfig(type, config);
    }
}
