package io.rnn4j.backend;

/** The built-in cells that backends run as fused whole-sequence kernels. */
public enum CellType {
    /** Keras {@code SimpleRNNCell}: one gate block, one state. */
    SIMPLE_RNN(1, 1),
    /** Keras {@code LSTMCell}: gates i, f, c, o; states h, c. */
    LSTM(4, 2),
    /** Keras {@code GRUCell}: gates z, r, h; one state. */
    GRU(3, 1);

    private final int gates;
    private final int states;

    CellType(int gates, int states) {
        this.gates = gates;
        this.states = states;
    }

    /** Number of gate blocks of width {@code units} in the kernel. */
    public int gates() {
        return gates;
    }

    /** Number of state tensors (LSTM has h and c). */
    public int states() {
        return states;
    }
}
