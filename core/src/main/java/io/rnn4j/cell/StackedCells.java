package io.rnn4j.cell;

import io.rnn4j.backend.Backend;
import io.rnn4j.layer.Parameter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras {@code StackedRNNCells}: several cells run one after the other within each step, the
 * output of one being the input of the next. The states are the children's states in order
 * (flattened: an LSTM then a GRU has states {@code [h1, c1, h2]}); the output is the last cell's.
 * Weights are in Keras order: the first cell's, then the second's, ...
 *
 * <p>The children run on the op-recorded path. Each child with dropout gets its own masks
 * (drawn once per sequence by the layer), as each Keras cell does.
 *
 * <pre>{@code Rnn layer = new Rnn(new StackedCells(new LstmCell(32), new GruCell(16)));}</pre>
 */
public final class StackedCells extends Cell {
    private final List<Cell> cells;

    /** A stack of {@code cells}, first to last. */
    public StackedCells(Cell... cells) {
        if (cells == null || cells.length == 0) {
            throw new IllegalArgumentException("StackedCells: at least one cell is needed");
        }
        for (Cell c : cells) {
            if (c == null) {
                throw new IllegalArgumentException("StackedCells: null cell");
            }
        }
        this.cells = List.of(cells);
    }

    /** The stacked cells, first to last. */
    public List<Cell> cells() {
        return cells;
    }

    @Override
    public String type() {
        return "StackedRNNCells";
    }

    @Override
    public int[] stateSizes() {
        int n = 0;
        for (Cell c : cells) {
            n += c.stateSizes().length;
        }
        int[] s = new int[n];
        int i = 0;
        for (Cell c : cells) {
            for (int v : c.stateSizes()) {
                s[i++] = v;
            }
        }
        return s;
    }

    @Override
    public int outputSize() {
        return cells.get(cells.size() - 1).outputSize();
    }

    @Override
    protected void build(int inputSize) {
        // No weights of its own: the children declare theirs in bindChildren.
    }

    @Override
    void bindChildren(Backend backend, int inputSize, Map<Weight, Parameter> bound) {
        int in = inputSize;
        for (Cell c : cells) {
            c.build(backend, in);
            bound.putAll(c.binding());
            in = c.outputSize();
        }
    }

    @Override
    public List<Weight> weights() {
        List<Weight> all = new ArrayList<>();
        for (Cell c : cells) {
            all.addAll(c.weights());
        }
        return all;
    }

    @Override
    public Step call(Ops ops, Var input, Var[] states) {
        Var x = input;
        Var[] next = new Var[states.length];
        int k = 0;
        for (Cell c : cells) {
            int n = c.stateSizes().length;
            Var[] mine = new Var[n];
            System.arraycopy(states, k, mine, 0, n);
            Cell outer = ops.enter(c);
            Step s = c.call(ops, x, mine);
            ops.exit(outer);
            c.checkStep(s, input.rows());
            System.arraycopy(s.states(), 0, next, k, n);
            x = s.output();
            k += n;
        }
        return new Step(x, next);
    }

    @Override
    public Map<String, Object> config() {
        List<Object> list = new ArrayList<>();
        for (Cell c : cells) {
            list.add(CellConfigs.toConfig(c));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        m.put("cells", list);
        return m;
    }
}
