package io.rnn4j.init;

import io.rnn4j.Tensor;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The initializers the Keras recurrent layers use by default, with Keras 3's formulas:
 * {@code glorot_uniform} (kernels), {@code orthogonal} (recurrent kernels), {@code zeros}
 * (biases), plus {@code ones} and {@code constant}.
 *
 * <p>Random values come from a {@link SplittableRandom} seeded with the seed given to
 * {@link Initializer#initialize}; the numbers differ from Keras's generators (no two frameworks
 * share a generator), the distributions are the same.
 */
public final class Initializers {
    private Initializers() {
    }

    /**
     * Keras {@code GlorotUniform}: uniform in {@code [-limit, limit]} with
     * {@code limit = sqrt(6 / (fan_in + fan_out))}; for a 2-D shape {@code (fan_in, fan_out)}.
     */
    public static Initializer glorotUniform() {
        return new Initializer() {
            @Override
            public float[] initialize(int[] shape, long seed) {
                int[] fans = fans(shape);
                double limit = Math.sqrt(6.0 / Math.max(1, fans[0] + fans[1]));
                SplittableRandom rnd = new SplittableRandom(seed);
                float[] v = new float[Tensor.sizeOf(shape)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((rnd.nextDouble() * 2 - 1) * limit);
                }
                return v;
            }

            @Override
            public String kerasName() {
                return "GlorotUniform";
            }
        };
    }

    /**
     * Keras {@code Orthogonal(gain)}: a matrix with orthonormal rows or columns (whichever are
     * fewer), from the QR decomposition of a standard normal matrix with the signs of R's
     * diagonal folded into Q so the result is uniformly distributed.
     */
    public static Initializer orthogonal(double gain) {
        return new Initializer() {
            @Override
            public float[] initialize(int[] shape, long seed) {
                if (shape.length < 2) {
                    throw new IllegalArgumentException("Orthogonal initializer needs a shape of rank >= 2, got "
                            + Arrays.toString(shape));
                }
                int rows = 1;
                for (int i = 0; i < shape.length - 1; i++) {
                    rows *= shape[i];
                }
                int cols = shape[shape.length - 1];
                int tall = Math.max(rows, cols), narrow = Math.min(rows, cols);
                SplittableRandom rnd = new SplittableRandom(seed);
                // columns of a (tall x narrow) normal matrix, orthonormalized by modified
                // Gram-Schmidt: this is Q of a QR with a positive diagonal of R, i.e. q * sign(diag(r)).
                double[][] q = new double[narrow][tall];
                for (int j = 0; j < narrow; j++) {
                    for (int i = 0; i < tall; i++) {
                        q[j][i] = gaussian(rnd);
                    }
                }
                for (int j = 0; j < narrow; j++) {
                    for (int p = 0; p < j; p++) {
                        double dot = 0;
                        for (int i = 0; i < tall; i++) {
                            dot += q[p][i] * q[j][i];
                        }
                        for (int i = 0; i < tall; i++) {
                            q[j][i] -= dot * q[p][i];
                        }
                    }
                    double norm = 0;
                    for (int i = 0; i < tall; i++) {
                        norm += q[j][i] * q[j][i];
                    }
                    norm = Math.sqrt(norm);
                    for (int i = 0; i < tall; i++) {
                        q[j][i] /= norm;
                    }
                }
                float[] v = new float[rows * cols];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        // rows >= cols: Q is (rows x cols) with column c = q[c]; else the transpose.
                        double x = rows >= cols ? q[c][r] : q[r][c];
                        v[r * cols + c] = (float) (gain * x);
                    }
                }
                return v;
            }

            @Override
            public String kerasName() {
                return "Orthogonal";
            }

            @Override
            public Map<String, Object> config() {
                return Map.of("gain", gain);
            }
        };
    }

    /** Keras {@code Orthogonal()} with gain 1. */
    public static Initializer orthogonal() {
        return orthogonal(1.0);
    }

    /** Keras {@code Zeros}. */
    public static Initializer zeros() {
        return constant("Zeros", 0f);
    }

    /** Keras {@code Ones}. */
    public static Initializer ones() {
        return constant("Ones", 1f);
    }

    /** Keras {@code Constant(value)}. */
    public static Initializer constant(float value) {
        return constant("Constant", value);
    }

    private static Initializer constant(String name, float value) {
        return new Initializer() {
            @Override
            public float[] initialize(int[] shape, long seed) {
                float[] v = new float[Tensor.sizeOf(shape)];
                Arrays.fill(v, value);
                return v;
            }

            @Override
            public String kerasName() {
                return name;
            }

            @Override
            public Map<String, Object> config() {
                return name.equals("Constant") ? Map.of("value", (double) value) : Map.of();
            }
        };
    }

    /**
     * The initializer for a Keras name: a snake-case identifier ({@code "glorot_uniform"},
     * {@code "orthogonal"}, {@code "zeros"}, {@code "ones"}) or a class name
     * ({@code "GlorotUniform"}, ...). {@code config} may hold {@code gain} / {@code value}.
     */
    public static Initializer fromKeras(String name, Map<String, Object> config) {
        Map<String, Object> c = config == null ? Map.of() : config;
        return switch (name) {
            case "glorot_uniform", "GlorotUniform" -> glorotUniform();
            case "orthogonal", "Orthogonal" -> orthogonal(((Number) c.getOrDefault("gain", 1.0)).doubleValue());
            case "zeros", "Zeros" -> zeros();
            case "ones", "Ones" -> ones();
            case "constant", "Constant" -> constant(((Number) c.getOrDefault("value", 0.0)).floatValue());
            default -> throw new IllegalArgumentException("unknown initializer '" + name
                    + "'; rnn4j knows glorot_uniform, orthogonal, zeros, ones, constant");
        };
    }

    /** The initializer described by a Keras config map {@code {"class_name": ..., "config": {...}}} or a plain name. */
    @SuppressWarnings("unchecked")
    public static Initializer fromConfig(Object config) {
        if (config instanceof String s) {
            return fromKeras(s, Map.of());
        }
        if (config instanceof Map<?, ?> m && m.get("class_name") instanceof String cls) {
            return fromKeras(cls, (Map<String, Object>) m.get("config"));
        }
        throw new IllegalArgumentException("initializer config must be a name or {class_name, config}, got " + config);
    }

    /** The Keras config map {@code {"class_name": ..., "config": {...}}} of an initializer. */
    public static Map<String, Object> toConfig(Initializer init) {
        return Map.of("class_name", init.kerasName(), "config", init.config());
    }

    /** Keras's fan computation: (fan_in, fan_out) = (shape[0], shape[1]) for 2-D, receptive field folded in otherwise. */
    static int[] fans(int[] shape) {
        if (shape.length == 0) {
            return new int[] {1, 1};
        }
        if (shape.length == 1) {
            return new int[] {shape[0], shape[0]};
        }
        int receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        return new int[] {shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive};
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller; the SplittableRandom API has no nextGaussian before Java 17's RandomGenerator default.
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
