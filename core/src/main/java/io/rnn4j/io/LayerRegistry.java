package io.rnn4j.io;

import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Layer;

import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Layer factories by {@link Layer#type()}, used to rebuild a saved model from its JSON config.
 * Only registered factories can run on load: a model file names a type, never a class, so a file
 * from a stranger cannot make rnn4j instantiate arbitrary code. User-written layers (and cells
 * inside an {@code Rnn}) register a factory once, like Keras's {@code custom_objects}.
 */
public final class LayerRegistry {
    private static final Map<String, Function<Map<String, Object>, Layer>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("Dense", Dense::fromConfig);
        BuiltinLayers.registerAll();
    }

    private LayerRegistry() {
    }

    /** Registers (or replaces) the factory for {@code type}. */
    public static void register(String type, Function<Map<String, Object>, Layer> factory) {
        if (type == null || type.isEmpty() || factory == null) {
            throw new IllegalArgumentException("LayerRegistry.register: type and factory must be given");
        }
        FACTORIES.put(type, factory);
    }

    /** True when a factory for {@code type} is registered. */
    public static boolean isRegistered(String type) {
        return FACTORIES.containsKey(type);
    }

    /** A new, unbuilt layer of {@code type} from its {@link Layer#config()}. */
    public static Layer create(String type, Map<String, Object> config) {
        Function<Map<String, Object>, Layer> f = FACTORIES.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown layer type '" + type + "'; registered types: "
                    + new TreeSet<>(FACTORIES.keySet()) + ". Register user-written layers with LayerRegistry.register");
        }
        Layer layer = f.apply(config);
        if (!type.equals(layer.type())) {
            throw new IllegalStateException("factory for '" + type + "' made a layer of type '" + layer.type() + "'");
        }
        return layer;
    }
}
