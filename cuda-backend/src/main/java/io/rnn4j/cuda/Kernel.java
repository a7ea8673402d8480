package io.rnn4j.cuda;

/**
 * The kernels of {@code native/rnn4j_kernels.cu} by entry name, with their parameter lists:
 * {@code i} int, {@code f} float, {@code p} float pointer (nullable where the source says so).
 * {@code PtxResourceTest} checks every signature against the {@code .param} list of the PTX.
 */
public enum Kernel {
    FILL("rnn4j_fill", "ifp"),
    ADD("rnn4j_add", "ippp"),
    SUB("rnn4j_sub", "ippp"),
    MUL("rnn4j_mul", "ippp"),
    AXPBY("rnn4j_axpby", "ifpfpp"),
    CLIP("rnn4j_clip", "iffpp"),
    ACTIVATION("rnn4j_activation", "iipp"),
    ACTIVATION_BACKWARD("rnn4j_activation_backward", "iippfp"),
    ADD_ROW_VECTOR("rnn4j_add_row_vector", "iippp"),
    COPY2D("rnn4j_copy2d", "iipipi"),
    SUM_ROWS("rnn4j_sum_rows", "iipfp"),
    SUM_COLUMNS("rnn4j_sum_columns", "iipfp"),
    SUM_PARTIALS("rnn4j_sum_partials", "iiipp"),
    SUM_PAIRS("rnn4j_sum_pairs", "ipp"),
    ADAM("rnn4j_adam", "ippppffff"),
    SGD("rnn4j_sgd", "ipppffi"),
    RMSPROP("rnn4j_rmsprop", "ippppffff"),
    INPUT_DROPOUT("rnn4j_input_dropout", "iiiippp"),
    INPUT_DROPOUT_BACKWARD("rnn4j_input_dropout_backward", "iiiippp"),
    STATE_DROPOUT("rnn4j_state_dropout", "iiipipipii"),
    STATE_DROPOUT_BACKWARD("rnn4j_state_dropout_backward", "iiippip"),
    SIMPLE_FORWARD("rnn4j_simple_forward", "iiiipipppipipipipippipii"),
    SIMPLE_BACKWARD("rnn4j_simple_backward", "iiiipipipipppipipi"),
    LSTM_FORWARD("rnn4j_lstm_forward", "iiiiipipppipipipipipipippipii"),
    LSTM_BACKWARD("rnn4j_lstm_backward", "iiiiipipipipipipppipippi"),
    GRU_FORWARD("rnn4j_gru_forward", "iiiiipipppipipipipipippipii"),
    GRU_BACKWARD("rnn4j_gru_backward", "iiiiipipipipipipppipipipi"),
    GRU_RB_FORWARD_ZR("rnn4j_gru_rb_forward_zr", "iiipipppipipipi"),
    GRU_RB_FORWARD_H("rnn4j_gru_rb_forward_h", "iiiipipppipipipipippipii"),
    GRU_RB_BACKWARD_ZH("rnn4j_gru_rb_backward_zh", "iiiiipipipipipppipipi"),
    GRU_RB_BACKWARD_R("rnn4j_gru_rb_backward_r", "iiipipipippippi");

    /** Name of the PTX resource that holds every kernel. */
    public static final String PTX_RESOURCE = "/io/rnn4j/cuda/rnn4j_kernels.ptx";

    private final String entry;
    private final String signature;

    Kernel(String entry, String signature) {
        this.entry = entry;
        this.signature = signature;
    }

    /** The {@code extern "C"} entry name in the PTX. */
    public String entry() {
        return entry;
    }

    /** One letter per parameter: i int, f float, p pointer. */
    public String signature() {
        return signature;
    }

    /** Throws {@link IllegalArgumentException} unless {@code args} match the signature. */
    public void checkArgs(Object... args) {
        if (args.length != signature.length()) {
            throw new IllegalArgumentException("kernel " + entry + " takes " + signature.length() + " arguments ("
                    + signature + "), got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            char c = signature.charAt(i);
            Object a = args[i];
            boolean ok = switch (c) {
                case 'i' -> a instanceof Integer;
                case 'f' -> a instanceof Float;
                case 'p' -> a == null || a instanceof DevicePtr;
                default -> false;
            };
            if (!ok) {
                throw new IllegalArgumentException("kernel " + entry + ": argument " + i + " must be "
                        + (c == 'i' ? "an int" : c == 'f' ? "a float" : "a device pointer or null") + ", got "
                        + (a == null ? "null" : a.getClass().getSimpleName() + " " + a));
            }
            if (a instanceof DevicePtr p && p.buffer().isFreed()) {
                throw new IllegalStateException("kernel " + entry + ": argument " + i + " points into freed device memory");
            }
        }
    }
}
