package io.rnn4j.optim;

import io.rnn4j.io.Configs;

import java.util.Map;

/** Optimizers by Keras class name and config, for reloading a compiled model. */
public final class Optimizers {
    private Optimizers() {
    }

    /**
     * A fresh optimizer (no slot state, step 0) from {@link Optimizer#type()} and
     * {@link Optimizer#config()}.
     */
    @SuppressWarnings("unchecked")
    public static Optimizer fromConfig(String type, Map<String, Object> config) {
        Object lrv = config.get("learning_rate");
        LearningRateSchedule schedule = null;
        double lr = Double.NaN;
        if (lrv instanceof Map<?, ?> m) {
            Map<String, Object> sc = (Map<String, Object>) m;
            String st = Configs.getString("learning_rate", sc, "class_name");
            if (!"ExponentialDecay".equals(st)) {
                throw new IllegalArgumentException("unknown learning rate schedule '" + st + "'");
            }
            Map<String, Object> c = Configs.getMap(st, sc, "config");
            schedule = new ExponentialDecay(Configs.getDouble(st, c, "initial_learning_rate"),
                    Math.round(Configs.getDouble(st, c, "decay_steps")), Configs.getDouble(st, c, "decay_rate"),
                    Configs.getBoolean(st, c, "staircase"));
        } else {
            lr = Configs.getDouble(type, config, "learning_rate");
        }
        Optimizer o = switch (type) {
            case "Adam" -> schedule != null ? new Adam(schedule)
                    : new Adam(lr, Configs.getDouble(type, config, "beta_1"), Configs.getDouble(type, config, "beta_2"),
                    Configs.getDouble(type, config, "epsilon"));
            case "SGD" -> schedule != null
                    ? new Sgd(schedule, Configs.getDouble(type, config, "momentum"), Configs.getBoolean(type, config, "nesterov"))
                    : new Sgd(lr, Configs.getDouble(type, config, "momentum"), Configs.getBoolean(type, config, "nesterov"));
            case "RMSprop" -> {
                if (schedule != null) {
                    throw new IllegalArgumentException("RMSprop with a schedule cannot be rebuilt");
                }
                yield new RmsProp(lr, Configs.getDouble(type, config, "rho"), Configs.getDouble(type, config, "momentum"),
                        Configs.getDouble(type, config, "epsilon"));
            }
            default -> throw new IllegalArgumentException("unknown optimizer '" + type + "'; expected Adam, SGD or RMSprop");
        };
        if (config.get("clipnorm") instanceof Number n) {
            o.clipnorm(n.doubleValue());
        } else if (config.get("global_clipnorm") instanceof Number n) {
            o.globalClipnorm(n.doubleValue());
        } else if (config.get("clipvalue") instanceof Number n) {
            o.clipvalue(n.doubleValue());
        }
        if (config.get("weight_decay") instanceof Number n) {
            o.weightDecay(n.doubleValue());
        }
        return o;
    }
}
