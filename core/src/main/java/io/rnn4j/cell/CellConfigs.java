package io.rnn4j.cell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Rebuilds cells from Keras-style configs ({@code {"class_name": "LSTMCell", "config": {...}}}),
 * for saving and loading models. The built-in cells and {@link StackedCells} are known; a user
 * cell can be rebuilt once it overrides {@link Cell#config()} and its type is registered with
 * {@link #register}. Any other cell is a clear {@link IllegalArgumentException}.
 */
public final class CellConfigs {
    private static final Map<String, Function<Map<String, Object>, Cell>> FACTORIES = new ConcurrentHashMap<>();

    static {
        FACTORIES.put("SimpleRNNCell", SimpleRnnCell::fromConfig);
        FACTORIES.put("LSTMCell", LstmCell::fromConfig);
        FACTORIES.put("GRUCell", GruCell::fromConfig);
        FACTORIES.put("StackedRNNCells", CellConfigs::stackedFromConfig);
    }

    private CellConfigs() {
    }

    /** Registers a factory for a user cell type (the value of its {@link Cell#type()}). */
    public static void register(String type, Function<Map<String, Object>, Cell> factory) {
        if (type == null || factory == null) {
            throw new IllegalArgumentException("CellConfigs.register: type and factory must not be null");
        }
        FACTORIES.put(type, factory);
    }

    /** {@code {"class_name": type, "config": config}} of a cell; fails for cells that cannot be rebuilt. */
    public static Map<String, Object> toConfig(Cell cell) {
        Map<String, Object> config = cell.config();
        if (config == null || !FACTORIES.containsKey(cell.type())) {
            throw notRebuildable(cell.type());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", cell.type());
        m.put("config", config);
        return m;
    }

    /** True if {@link #toConfig} would succeed for this cell. */
    public static boolean canRebuild(Cell cell) {
        if (cell instanceof StackedCells s) {
            return s.cells().stream().allMatch(CellConfigs::canRebuild);
        }
        return cell.config() != null && FACTORIES.containsKey(cell.type());
    }

    /** A new, unbuilt cell from {@code {"class_name": ..., "config": {...}}}. */
    @SuppressWarnings("unchecked")
    public static Cell fromConfig(Map<String, Object> classAndConfig) {
        if (classAndConfig == null || !(classAndConfig.get("class_name") instanceof String type)) {
            throw new IllegalArgumentException("cell config must be {\"class_name\": ..., \"config\": {...}}, got " + classAndConfig);
        }
        Function<Map<String, Object>, Cell> f = FACTORIES.get(type);
        if (f == null) {
            throw notRebuildable(type);
        }
        Object config = classAndConfig.get("config");
        return f.apply(config instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
    }

    @SuppressWarnings("unchecked")
    private static Cell stackedFromConfig(Map<String, Object> config) {
        if (!(config.get("cells") instanceof List<?> list)) {
            throw new IllegalArgumentException("StackedRNNCells config needs a list 'cells', got " + config.get("cells"));
        }
        List<Cell> cells = new ArrayList<>();
        for (Object o : list) {
            cells.add(fromConfig((Map<String, Object>) o));
        }
        StackedCells s = new StackedCells(cells.toArray(new Cell[0]));
        if (config.get("name") instanceof String n) {
            s.name(n);
        }
        return s;
    }

    private static IllegalArgumentException notRebuildable(String type) {
        return new IllegalArgumentException("cell type '" + type + "' cannot be rebuilt from a config: a user cell "
                + "must override Cell.config() and register a factory with CellConfigs.register(\"" + type + "\", config -> new ...)");
    }
}
