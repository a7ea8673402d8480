package io.rnn4j.io;

import java.util.List;
import java.util.Map;

/**
 * Typed reads from a layer's {@code config()} map as it comes back from {@link Json#parse}, with
 * errors that name the layer type and the key. Used by layer factories in {@link LayerRegistry}.
 */
public final class Configs {
    private Configs() {
    }

    private static Object get(String type, Map<String, Object> config, String key) {
        if (!config.containsKey(key)) {
            throw new IllegalArgumentException(type + " config: missing key \"" + key + "\" in " + config.keySet());
        }
        return config.get(key);
    }

    /** An integer value. */
    public static int getInt(String type, Map<String, Object> config, String key) {
        Object v = get(type, config, key);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return Math.toIntExact(n.longValue());
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be an integer, got " + v);
    }

    /** A number. */
    public static double getDouble(String type, Map<String, Object> config, String key) {
        Object v = get(type, config, key);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be a number, got " + v);
    }

    /** A boolean. */
    public static boolean getBoolean(String type, Map<String, Object> config, String key) {
        Object v = get(type, config, key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be true or false, got " + v);
    }

    /** A string, or null when the value is JSON null. */
    public static String getString(String type, Map<String, Object> config, String key) {
        Object v = get(type, config, key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be a string, got " + v);
    }

    /** An optional long (null when absent or JSON null), e.g. a seed. */
    public static Long getOptionalLong(String type, Map<String, Object> config, String key) {
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be an integer or null, got " + v);
    }

    /** A nested object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> getMap(String type, Map<String, Object> config, String key) {
        Object v = get(type, config, key);
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be an object, got " + v);
    }

    /** A list. */
    @SuppressWarnings("unchecked")
    public static List<Object> getList(String type, Map<String, Object> config, String key) {
        Object v = get(type, config, key);
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException(type + " config: \"" + key + "\" must be a list, got " + v);
    }

    /** A shape: a list of integers where JSON null (Keras {@code None}) becomes -1. */
    public static int[] getShape(String type, Map<String, Object> config, String key) {
        List<Object> l = getList(type, config, key);
        int[] shape = new int[l.size()];
        for (int i = 0; i < shape.length; i++) {
            Object v = l.get(i);
            if (v == null) {
                shape[i] = -1;
            } else if (v instanceof Number n) {
                shape[i] = Math.toIntExact(n.longValue());
            } else {
                throw new IllegalArgumentException(type + " config: \"" + key + "\" must be a list of integers or null, got " + l);
            }
        }
        return shape;
    }

    /** A shape as a JSON list, -1 written as null like Keras's {@code None}. */
    public static List<Object> shapeToJson(int[] shape) {
        java.util.ArrayList<Object> l = new java.util.ArrayList<>();
        for (int d : shape) {
            l.add(d < 0 ? null : d);
        }
        return l;
    }
}
