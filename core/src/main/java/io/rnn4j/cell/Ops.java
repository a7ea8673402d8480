package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.layer.Parameter;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The op recorder (a tape) a cell writes its step with: Keras's {@code ops.matmul},
 * {@code ops.add}, ... for one step. Each primitive runs at once through the {@link Backend}
 * SPI and is recorded with its inputs; {@link #backward()} then walks the record in reverse and
 * applies each primitive's hand-written adjoint (kept next to its forward in {@link Prim}), so
 * backpropagation through time needs no code from the cell's author.
 *
 * <p>Every value is a matrix {@code (rows, cols)}. Buffers and {@link Var} handles are kept
 * from one recording to the next, so a cell stepped repeatedly with the same shapes does not
 * allocate tensors once warm.
 */
public final class Ops {

    /** One recorded primitive. Its buffers survive {@link #begin()} and are reused when shapes match. */
    static final class Node {
        Prim prim;
        final Var var;
        final int[] in = new int[8];
        int[] inMore;
        int arity;
        int rows;
        int cols;
        Tensor value;
        Tensor grad;
        Tensor ownValue;
        Tensor ownGrad;
        Tensor[] scratch = new Tensor[0];
        int intArg;
        float floatArg;
        Activation act;
        CustomOp custom;
        Weight weight;
        Tensor[] customIn;
        Tensor[] customDIn;

        Node(Var var) {
            this.var = var;
        }

        int input(int i) {
            return i < 8 ? in[i] : inMore[i - 8];
        }
    }

    private final Backend backend;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Weight, Parameter> binding;
    private final Map<Weight, Node> weightNodes = new IdentityHashMap<>();
    private int count;
    private String owner = "cell";
    private Map<Cell, Tensor[]> dropoutMasks;
    private Cell current;

    /**
     * A recorder on {@code backend} whose weights resolve through {@code binding} (each
     * {@link Weight} to the parameter holding its value and gradient).
     */
    public Ops(Backend backend, Map<Weight, Parameter> binding) {
        this.backend = backend;
        this.binding = binding;
    }

    /** The backend every primitive runs on. */
    public Backend backend() {
        return backend;
    }

    // ------------------------------------------------------------------ recording control

    /** Starts a new recording; {@code owner} names the cell in error messages. */
    void begin(String owner) {
        this.owner = owner;
        count = 0;
        weightNodes.clear();
        dropoutMasks = null;
        current = null;
    }

    /**
     * The dropout masks drawn for this sequence (training only), per cell: {@code {input mask,
     * recurrent mask}}, entries null when absent; null for none.
     */
    void dropoutMasks(Map<Cell, Tensor[]> masks) {
        this.dropoutMasks = masks;
    }

    /** Makes {@code cell} the one whose masks {@link #dropoutMask()} returns; returns the previous one. */
    Cell enter(Cell cell) {
        Cell previous = current;
        current = cell;
        return previous;
    }

    /** Restores the cell returned by {@link #enter}. */
    void exit(Cell previous) {
        current = previous;
    }

    private Tensor maskOfCurrent(int which) {
        if (dropoutMasks == null || current == null) {
            return null;
        }
        Tensor[] m = dropoutMasks.get(current);
        return m == null ? null : m[which];
    }

    /**
     * Keras {@code get_dropout_mask(inputs)}: the input dropout mask of this sequence for the
     * calling cell, {@code (batch, count * inputSize)} with {@code count = cell.dropoutMaskCount()}
     * blocks already scaled by {@code 1 / (1 - rate)}; null when not training or without dropout.
     */
    public Var dropoutMask() {
        Tensor m = maskOfCurrent(0);
        return m == null ? null : input(m);
    }

    /** Keras {@code get_recurrent_dropout_mask(h)}: {@code (batch, count * stateSizes()[0])}, or null. */
    public Var recurrentDropoutMask() {
        Tensor m = maskOfCurrent(1);
        return m == null ? null : input(m);
    }

    /** A leaf bound to an external 2-D tensor (not copied); its gradient is read with {@link #grad(Var)}. */
    Var input(Tensor external) {
        if (external.rank() != 2) {
            throw new IllegalArgumentException(owner + ": step inputs must be 2-D, got " + external);
        }
        Node n = next(Prim.LEAF, external.dim(0), external.dim(1), false);
        n.value = external;
        return n.var;
    }

    Tensor value(Var v) {
        return node(v).value;
    }

    /** The gradient buffer of {@code v} (valid after {@link #zeroGrads()}). */
    Tensor grad(Var v) {
        return node(v).grad;
    }

    /** Zeroes the gradients of every recorded value (weights excepted: they accumulate into their parameters). */
    void zeroGrads() {
        for (int i = 0; i < count; i++) {
            Node n = nodes.get(i);
            if (n.prim == Prim.WEIGHT) {
                continue;
            }
            if (n.ownGrad == null || n.ownGrad.size() != n.rows * n.cols) {
                n.ownGrad = backend.zeros(n.rows, n.cols);
            } else {
                backend.fill(n.ownGrad, 0f);
            }
            n.grad = n.ownGrad;
        }
    }

    /** Applies every adjoint in reverse order of recording. */
    void backward() {
        for (int i = count - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            n.prim.backward(this, n);
        }
    }

    /** The handle of recorded value {@code i} (for tests). */
    Var nodeVar(int i) {
        return nodes.get(i).var;
    }

    /** Number of recorded values (for tests). */
    int size() {
        return count;
    }

    // ------------------------------------------------------------------ primitives (public API)

    /** {@code a · b}: {@code (m, k) · (k, n) -> (m, n)}. */
    public Var matmul(Operand a, Operand b) {
        Node x = node(a), y = node(b);
        if (x.cols != y.rows) {
            throw shapeError("matmul", a, b, "the left operand has " + x.cols + " columns but the right one has "
                    + y.rows + " rows");
        }
        return record(Prim.MATMUL, x.rows, y.cols, x, y);
    }

    /**
     * {@code a + b}, element-wise for equal shapes; a row vector {@code (1, n)} (a bias) is
     * broadcast over the rows of the other operand.
     */
    public Var add(Operand a, Operand b) {
        Node x = node(a), y = node(b);
        if (x.rows == y.rows && x.cols == y.cols) {
            return record(Prim.ADD, x.rows, x.cols, x, y);
        }
        if (y.rows == 1 && y.cols == x.cols) {
            return record(Prim.BIAS_ADD, x.rows, x.cols, x, y);
        }
        if (x.rows == 1 && x.cols == y.cols) {
            return record(Prim.BIAS_ADD, y.rows, y.cols, y, x);
        }
        throw shapeError("add", a, b, "shapes differ and neither is a row vector of matching width");
    }

    /** {@code x + bias} with {@code bias (1, n)} added to every row of {@code x (m, n)}. */
    public Var biasAdd(Operand x, Operand bias) {
        Node a = node(x), b = node(bias);
        if (b.rows != 1 || b.cols != a.cols) {
            throw shapeError("biasAdd", x, bias, "the bias must be a row vector of " + a.cols + " values");
        }
        return record(Prim.BIAS_ADD, a.rows, a.cols, a, b);
    }

    /** {@code a - b} element-wise. */
    public Var sub(Operand a, Operand b) {
        Node x = sameShape("sub", a, b);
        return record(Prim.SUB, x.rows, x.cols, x, node(b));
    }

    /** {@code a * b} element-wise. */
    public Var multiply(Operand a, Operand b) {
        Node x = sameShape("multiply", a, b);
        return record(Prim.MUL, x.rows, x.cols, x, node(b));
    }

    /** {@code alpha * x}. */
    public Var scale(Operand x, float alpha) {
        Node a = node(x);
        Node n = prepare(Prim.SCALE, a.rows, a.cols, a);
        n.floatArg = alpha;
        return finish(n);
    }

    /** {@code 1 - x} (the GRU's {@code (1 - z)}). */
    public Var oneMinus(Operand x) {
        Node a = node(x);
        return record(Prim.ONE_MINUS, a.rows, a.cols, a);
    }

    /** {@code f(x)} for a Keras activation. */
    public Var activation(Activation f, Operand x) {
        Node a = node(x);
        Node n = prepare(Prim.ACTIVATION, a.rows, a.cols, a);
        n.act = f;
        return finish(n);
    }

    /** {@code tanh(x)}. */
    public Var tanh(Operand x) {
        return activation(Activation.TANH, x);
    }

    /** {@code sigmoid(x)}, exact. */
    public Var sigmoid(Operand x) {
        return activation(Activation.SIGMOID, x);
    }

    /** Keras 3 {@code hard_sigmoid(x) = clip(x / 6 + 0.5, 0, 1)}. */
    public Var hardSigmoid(Operand x) {
        return activation(Activation.HARD_SIGMOID, x);
    }

    /** {@code max(x, 0)}. */
    public Var relu(Operand x) {
        return activation(Activation.RELU, x);
    }

    /** The identity (Keras {@code linear}); records a copy. */
    public Var linear(Operand x) {
        return activation(Activation.LINEAR, x);
    }

    /** Concatenation along columns (Keras {@code ops.concatenate([...], axis=-1)}). */
    public Var concat(Operand... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException(owner + ": concat of nothing");
        }
        Node first = node(parts[0]);
        int cols = 0;
        Node[] ins = new Node[parts.length];
        for (int i = 0; i < parts.length; i++) {
            ins[i] = node(parts[i]);
            if (ins[i].rows != first.rows) {
                throw shapeError("concat", parts[0], parts[i], "operands have " + first.rows + " and " + ins[i].rows + " rows");
            }
            cols += ins[i].cols;
        }
        return record(Prim.CONCAT, first.rows, cols, ins);
    }

    /** Columns {@code [start, start + count)} of {@code x} (also a gate block of a weight). */
    public Var columns(Operand x, int start, int count) {
        Node a = node(x);
        if (start < 0 || count <= 0 || start + count > a.cols) {
            throw new IllegalArgumentException(owner + ": columns(" + start + ", " + count + ") outside "
                    + describe(x) + " with " + a.cols + " columns");
        }
        Node n = prepare(Prim.COLUMNS, a.rows, count, a);
        n.intArg = start;
        return finish(n);
    }

    /** Rows {@code [start, start + count)} of {@code x} (e.g. row 0 of the GRU bias {@code (2, 3H)}). */
    public Var rows(Operand x, int start, int count) {
        Node a = node(x);
        if (start < 0 || count <= 0 || start + count > a.rows) {
            throw new IllegalArgumentException(owner + ": rows(" + start + ", " + count + ") outside "
                    + describe(x) + " with " + a.rows + " rows");
        }
        Node n = prepare(Prim.ROWS, count, a.cols, a);
        n.intArg = start;
        return finish(n);
    }

    /** Splits the columns of {@code x} into {@code parts} equal blocks (Keras {@code ops.split(x, n, axis=-1)}). */
    public Var[] split(Operand x, int parts) {
        Node a = node(x);
        if (parts <= 0 || a.cols % parts != 0) {
            throw new IllegalArgumentException(owner + ": split of " + describe(x) + " into " + parts
                    + " equal parts: " + a.cols + " columns do not divide");
        }
        int w = a.cols / parts;
        Var[] out = new Var[parts];
        for (int i = 0; i < parts; i++) {
            out[i] = columns(x, i * w, w);
        }
        return out;
    }

    /** Records a cell's own operation with its hand-written backward. */
    public Var custom(CustomOp op, Operand... inputs) {
        Node[] ins = new Node[inputs.length];
        int[] cols = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            ins[i] = node(inputs[i]);
            cols[i] = ins[i].cols;
            if (ins[i].rows != ins[0].rows) {
                throw shapeError(op.name(), inputs[0], inputs[i], "inputs have different numbers of rows");
            }
        }
        Node n = prepare(Prim.CUSTOM, inputs.length == 0 ? 1 : ins[0].rows, op.outputCols(cols), ins);
        n.custom = op;
        if (n.customIn == null || n.customIn.length != inputs.length) {
            n.customIn = new Tensor[inputs.length];
            n.customDIn = new Tensor[inputs.length];
        }
        return finish(n);
    }

    // ------------------------------------------------------------------ internals

    private Node sameShape(String op, Operand a, Operand b) {
        Node x = node(a), y = node(b);
        if (x.rows != y.rows || x.cols != y.cols) {
            throw shapeError(op, a, b, "shapes differ");
        }
        return x;
    }

    private IllegalArgumentException shapeError(String op, Operand a, Operand b, String why) {
        return new IllegalArgumentException(owner + ": " + op + " of " + describe(a) + " and " + describe(b) + ": " + why);
    }

    private String describe(Operand o) {
        if (o instanceof Weight w) {
            return w.toString();
        }
        Node n = node(o);
        return "(" + n.rows + ", " + n.cols + ")";
    }

    Node node(Operand o) {
        if (o == null) {
            throw new IllegalArgumentException(owner + ": null operand (a dropout mask outside training?)");
        }
        if (o instanceof Var v) {
            if (v.owner != this || v.index >= count) {
                throw new IllegalArgumentException(owner + ": a Var of another step or recorder was used; Vars are valid only inside the call that made them");
            }
            return nodes.get(v.index);
        }
        Weight w = (Weight) o;
        Node n = weightNodes.get(w);
        if (n == null) {
            Parameter p = binding.get(w);
            if (p == null) {
                throw new IllegalArgumentException(owner + ": " + w + " is not a weight of this cell, or the cell is not built");
            }
            n = next(Prim.WEIGHT, w.rows(), w.cols(), false);
            n.value = p.value();
            n.grad = p.grad();
            n.weight = w;
            weightNodes.put(w, n);
        }
        return n;
    }

    private Var record(Prim p, int rows, int cols, Node... ins) {
        return finish(prepare(p, rows, cols, ins));
    }

    private Node prepare(Prim p, int rows, int cols, Node... ins) {
        Node n = next(p, rows, cols, true);
        n.arity = ins.length;
        if (ins.length > 8 && (n.inMore == null || n.inMore.length < ins.length - 8)) {
            n.inMore = new int[ins.length - 8];
        }
        for (int i = 0; i < ins.length; i++) {
            if (i < 8) {
                n.in[i] = ins[i].var.index;
            } else {
                n.inMore[i - 8] = ins[i].var.index;
            }
        }
        return n;
    }

    private Var finish(Node n) {
        n.prim.forward(this, n);
        return n.var;
    }

    private Node next(Prim p, int rows, int cols, boolean ownsValue) {
        Node n;
        if (count < nodes.size()) {
            n = nodes.get(count);
        } else {
            n = new Node(new Var(this, count));
            nodes.add(n);
        }
        count++;
        n.prim = p;
        n.rows = rows;
        n.cols = cols;
        n.var.rows = rows;
        n.var.cols = cols;
        n.arity = 0;
        n.weight = null;
        n.custom = null;
        n.act = null;
        n.grad = null;
        if (ownsValue) {
            if (n.ownValue == null || !n.ownValue.hasShape(rows, cols)) {
                n.ownValue = backend.zeros(rows, cols);
            }
            n.value = n.ownValue;
        }
        return n;
    }

    Node in(Node n, int i) {
        return nodes.get(n.input(i));
    }

    /** A scratch buffer of {@code rows x cols} kept on node {@code n} at slot {@code slot}. */
    Tensor scratch(Node n, int slot, int rows, int cols) {
        if (n.scratch.length <= slot) {
            n.scratch = java.util.Arrays.copyOf(n.scratch, slot + 1);
        }
        Tensor t = n.scratch[slot];
        if (t == null || !t.hasShape(rows, cols)) {
            t = backend.zeros(rows, cols);
            n.scratch[slot] = t;
        }
        return t;
    }
}
