package io.rnn4j.simd;

import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

/**
 * Per-(batch, time) memory of the simd backend's fused recurrent kernels, allocated once.
 *
 * <p>Per-step buffers are laid out like the input {@code x (B, T, I)} viewed as {@code (B*T, F)}:
 * the row of batch element {@code b} at input time index {@code t} is {@code b*T + t}. The weight
 * gradients are then one GEMM each over all rows, and one step's rows are a strided block
 * ({@code ld = T*F}) that the per-step GEMMs (input projection, recurrent product) address
 * directly. In inference nothing is kept for a backward pass: the gates of every step reuse rows
 * {@code 0..B-1}, and the states of step {@code t} rows {@code (t & 1) * B ..} (a two-slot ring,
 * {@code SimdRnnRun.stateRow}).
 *
 * <p>It also holds W and the recurrent kernel packed into GEMM panels: {@code W}, {@code U}
 * (forward) and {@code Uᵀ} (backward) are packed once per call, i.e. once per sequence, not once
 * per step.
 * Gradient buffers are allocated on the first backward pass. Nothing is allocated in a time loop.
 */
final class SimdRnnWorkspace implements RnnWorkspace {
    final SimdBackend owner;
    final RnnSpec spec;
    final int batch;
    final int time;

    /**
     * {@code (B*T, G*H)}: the input projection {@code x·W} (written step by step, or all at once
     * under input dropout or below 4 rows), overwritten by the post-activation gates; inference
     * uses only rows {@code 0..B-1}.
     */
    final float[] gates;
    /** {@code (B*T, H)}: the (undropped) state h entering each step (inference: two slots of B rows). */
    final float[] hPrev;
    /** LSTM: {@code (B*T, H)} the cell state entering each step, and {@code a(c')} of each step. */
    final float[] cPrev;
    final float[] actC;
    /** GRU: {@code (B*T, H)}: reset_after: {@code hp_h = h·U_h + b_rec_h}; else {@code r * (h·m_h)}. */
    final float[] gruAux;
    /** {@code (B, G*H)}: this step's recurrent product. */
    final float[] recurrent;
    /** {@code (B, H)}: h times one recurrent-dropout block, or one block of {@code dG_k·U_kᵀ}. */
    final float[] stepScratch;
    /** {@code (B*T, max(I, H))}: x or H_prev times one dropout block, for the per-gate GEMMs. */
    final float[] sequenceScratch;

    /**
     * U's step columns in panels for the GEMV below {@link Gemm#MR} rows, each thread's column
     * range under a column split (see {@code SimdRnnRun.gemvPanels}); made on first use.
     */
    private float[] gemvPanels = new float[0];

    /**
     * {@link #gemvPanels}, at least {@code size} floats from {@link #gemvPanelsBase()}. Sized
     * by the calling thread before a team packs or reads column ranges of it (a worker passing
     * the same size never reallocates it).
     */
    float[] gemvPanels(int size) {
        if (gemvPanels.length - gemvPanelsBase() < size) {
            gemvPanels = new float[Cpu.INTEL ? Alignment.lengthOnLines(size + Alignment.LINE) : size];
        }
        return gemvPanels;
    }

    /**
     * Where the panels start in {@link #gemvPanels(int)}'s array: on Intel cores on a cache-line
     * boundary where that is known (the array then padded to half a G1 region), so each 64-float
     * row of a panel block is four whole lines. LSTM inference on one thread, two builds in one
     * JVM, both orders, Sapphire Rapids: 0.67-0.70x the time at 1x100x128x256 and 1x100x64x128
     * (one of four pairs 0.88x / 1.0x), 0.92-0.97x at 1x100x256x512. On Zen 5 the same placement
     * had measured mixed (session 15: +8% at 256 units, -10% at 128), so other CPUs keep the
     * array as it falls.
     */
    int gemvPanelsBase() {
        return Cpu.INTEL ? Alignment.toLine(gemvPanels, 0) : 0;
    }

    /** Packed column blocks {@code [k0, k1)} of U, index {@code k0 * 5 + k1}; and of Uᵀ. */
    private final Gemm.PackedB[] forwardPacks = new Gemm.PackedB[25];
    private Gemm.PackedB inputPack;
    private Gemm.PackedB stackedPack;
    private float[] stackedRows;
    private Gemm.PackedB[] blockPacks;
    private final Gemm.PackedB[] backwardPacks = new Gemm.PackedB[25];

    float[] dGates;
    /**
     * {@code (B*T, H)}, {@code reset_after} GRU only: the gradient of the candidate's recurrent
     * pre-activation {@code hp_h}, {@code dhh * r}. Its z and r columns would equal dG's, so they
     * are not stored: the products read them from dG.
     */
    float[] dRecurrentCandidate;
    float[] dh;
    float[] dc;
    /** {@code (B, 5H)}: activation derivatives of the current step's row, from the stored outputs. */
    float[] derivatives;
    /** {@code (B, H)}: the whole gradient of the current step's new state h. */
    float[] dhNew;
    float[] dOutputCarry;
    /** {@code (H)} zeros: the output's gradient row for a backward call that has none. */
    float[] zeroRow;
    /**
     * {@code (B, G*H [+ H])}: each batch row's bias gradient summed in float64 over the steps
     * walked so far, dG's columns then, for a {@code reset_after} GRU,
     * {@link #dRecurrentCandidate}'s; null without a bias.
     */
    double[] biasRows;
    /** {@code (G*H)}: the bias gradient's float64 column sums over the batch rows. */
    double[] biasSums;

    /**
     * The run bound to this workspace's buffers, made once here and re-bound to every call's
     * arguments, so a warm call of the kernels creates no object (streaming inference calls
     * them once per timestep).
     */
    final SimdRnnRun run;

    /** The arguments of the last forward run with {@code training == true}, or null. */
    RnnForwardArgs lastTrainingForward;
    private boolean closed;

    SimdRnnWorkspace(SimdBackend owner, RnnSpec spec, int batch, int time) {
        this.owner = owner;
        this.spec = spec;
        this.batch = batch;
        this.time = time;
        int rows = Math.multiplyExact(batch, time);
        int h = spec.units();
        gates = new float[Math.multiplyExact(rows, spec.gateWidth())];
        hPrev = new float[rows * h];
        boolean lstm = spec.cell() == CellType.LSTM;
        cPrev = lstm ? new float[rows * h] : null;
        actC = lstm ? new float[rows * h] : null;
        gruAux = spec.cell() == CellType.GRU ? new float[rows * h] : null;
        recurrent = new float[batch * spec.gateWidth()];
        stepScratch = new float[batch * h];
        sequenceScratch = new float[Math.multiplyExact(rows, Math.max(spec.inputSize(), h))];
        run = new SimdRnnRun(owner, this);
    }

    /** Panels of {@code U[:, k0*H : k1*H]} (not yet packed: call {@code pack}). */
    Gemm.PackedB forwardPack(int k0, int k1) {
        int i = k0 * 5 + k1;
        if (forwardPacks[i] == null) {
            forwardPacks[i] = new Gemm.PackedB(false, spec.units(), (k1 - k0) * spec.units());
        }
        return forwardPacks[i];
    }

    /**
     * Makes the packs of every block of U, each alone ({@link #forwardPack}{@code (k, k + 1)}): the
     * operands of a step cut by units. Called by the thread that packs U, before the team runs
     * ({@code SimdRnnRun.pack}); made lazily inside a step, one team thread could see the array
     * another had published but not yet filled (a NullPointerException seen once in a test run on
     * two threads). The team's hand-off publishes it.
     */
    void ensureForwardBlockPacks() {
        if (blockPacks == null) {
            Gemm.PackedB[] packs = new Gemm.PackedB[spec.gates()];
            for (int k = 0; k < packs.length; k++) {
                packs[k] = forwardPack(k, k + 1);
            }
            blockPacks = packs;
        }
    }

    /** The packs {@link #ensureForwardBlockPacks} made. */
    Gemm.PackedB[] forwardBlockPacks() {
        if (blockPacks == null) {
            throw new IllegalStateException("the block packs of U are made before the steps (ensureForwardBlockPacks)");
        }
        return blockPacks;
    }

    /** Panels of {@code [W; U; b] (stackedDepth(), G*H)} ({@code [W; U]} without a bias), for the stacked step product ({@link SimdRnnRun#stackedStep}). */
    Gemm.PackedB stackedPack() {
        if (stackedPack == null) {
            stackedPack = new Gemm.PackedB(false, stackedDepth(), spec.gateWidth());
        }
        return stackedPack;
    }

    /**
     * Depth of the stacked step product: {@code [x(t), h(t-1)]} and, with a bias, a column of
     * ones against the packed {@code [W; U; b]}, so the kernel adds the bias with its last FMA
     * ({@code 1 * b}, exact) instead of a pass over the gate rows after it.
     */
    int stackedDepth() {
        return spec.inputSize() + spec.units() + (spec.useBias() ? 1 : 0);
    }

    /** {@code (B, stackedDepth())}: each row's {@code [x(t), h(t-1)(, 1)]} for the stacked step product. */
    float[] stackedRows() {
        if (stackedRows == null) {
            int depth = stackedDepth();
            stackedRows = new float[batch * depth];
            if (spec.useBias()) {
                for (int b = 0; b < batch; b++) {
                    stackedRows[b * depth + depth - 1] = 1f; // written once: the steps copy only x and h
                }
            }
        }
        return stackedRows;
    }

    /** Panels of the input kernel {@code W (I, G*H)}, for the per-step input projection. */
    Gemm.PackedB inputPack() {
        if (inputPack == null) {
            inputPack = new Gemm.PackedB(false, spec.inputSize(), spec.gateWidth());
        }
        return inputPack;
    }

    /** Panels of {@code U[:, k0*H : k1*H]ᵀ}. */
    Gemm.PackedB backwardPack(int k0, int k1) {
        int i = k0 * 5 + k1;
        if (backwardPacks[i] == null) {
            backwardPacks[i] = new Gemm.PackedB(true, (k1 - k0) * spec.units(), spec.units());
        }
        return backwardPacks[i];
    }

    /** Allocates the gradient buffers once, on the first backward pass. */
    void ensureBackwardBuffers() {
        if (dGates != null) {
            return;
        }
        int rows = batch * time;
        int h = spec.units();
        dGates = new float[rows * spec.gateWidth()];
        dRecurrentCandidate = spec.resetAfter() ? new float[rows * h] : null;
        dh = new float[batch * h];
        dc = new float[batch * h];
        dhNew = new float[batch * h];
        derivatives = new float[batch * 5 * h];
        dOutputCarry = new float[batch * h];
        zeroRow = new float[h];
        biasRows = spec.useBias() ? new double[batch * biasRowWidth()] : null;
        biasSums = new double[spec.gateWidth()];
    }

    /** Columns per batch row of {@link #biasRows}. */
    int biasRowWidth() {
        return spec.gateWidth() + (spec.resetAfter() ? spec.units() : 0);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public int time() {
        return time;
    }

    @Override
    public void close() {
        closed = true;
        lastTrainingForward = null;
        run.unbind();
    }

    @Override
    public String toString() {
        return "SimdRnnWorkspace[" + spec.cell() + ", batch=" + batch + ", time=" + time + "]";
    }
}
