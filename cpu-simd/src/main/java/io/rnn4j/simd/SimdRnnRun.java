package io.rnn4j.simd;

import io.rnn4j.Tensor;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspaceChecks;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * One fused forward or backward call of the simd backend: the arguments' arrays bound to a
 * workspace, the sequence-level GEMMs (weight and input gradients, each one GEMM over all
 * timesteps; the input projection too under input dropout, below {@link Gemm#MR} rows or with a
 * W larger than L2), the
 * per-step GEMMs on the pre-packed W and recurrent kernel, the masking rules, and the split of
 * each step across threads.
 *
 * <p>Threads: a step is cut into chunks of whole {@link Gemm#MR}-row slivers of the batch (see
 * {@link #chunks}); one chunk runs the input projection and the recurrent GEMM of its rows and
 * then the cell's pointwise pass over the same rows while they are in cache (forward), or the
 * pointwise pass and then the {@code dG·Uᵀ} GEMM (backward), so a step costs one hand-off, not
 * one per operation. Chunks never share an output element and a row's arithmetic does not
 * depend on its chunk, so results are the same for every thread count. With a large U and few
 * rows per thread, LSTM forward steps are cut by ranges of units instead ({@link #unitSplit}).
 */
final class SimdRnnRun {
    static final VectorSpecies<Float> S = Gemm.S;
    static final int VL = S.length();
    /**
     * Double vectors of the preferred shape, for exact float-to-double sums: a float vector of
     * {@link #S} converts into two of them. (Not a half-width float species: a second float
     * vector shape in the JVM pollutes the type profiles inside the Vector API's shared methods,
     * and C2 then failed the store intrinsic of a 512-bit copy and boxed it, 0.5 MB per short
     * LSTM training call.)
     */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Below this many flops per step a step is not cut by units across the team. */
    private static final long PARALLEL_STEP_FLOPS = 1L << 21;
    /**
     * Below this many recurrent flops per call (all steps) the rows stay in one chunk: a row
     * chunk runs through every step ({@link #forwardTask}), so the team costs one job per walk.
     */
    private static final long PARALLEL_CALL_FLOPS = 1L << 22;

    final SimdBackend be;
    final Gemm gemm;
    final RnnSpec spec;
    final SimdRnnWorkspace ws;
    final int batch, time, inputSize, units, gates, gateWidth;
    /**
     * Row chunks the batch is cut into, each run through every step by one thread
     * ({@link #forwardTask}): one per thread (whole slivers; one in all below
     * {@link #PARALLEL_CALL_FLOPS}). Each chunk streams all of the packed U (and W) through its
     * GEMM once per step, so fewer, larger chunks read less; cutting finer to keep a chunk's gate
     * rows in L2 for the pointwise pass cost more than it saved on Zen 5 (1 MiB L2): against
     * chunks of 8 slivers, one chunk per thread took 0.90x the time for LSTM 64x100x512x1024
     * inference on one thread, 0.95x at 256x50x256x512, 0.98x at 64x100x128x256, 0.93-0.99x on two
     * threads and 0.97-0.99x for training steps (interleaved runs in one JVM). A row's result does
     * not depend on its chunk, so the thread count changes no result.
     */
    final int chunks;

    // the arguments of the current call, set by bind
    RnnForwardArgs fwd;
    RnnBackwardArgs bwd;
    float[] x, kernel, recurrentKernel;
    float[] bias, mask, dropMask, recurrentDropMask;
    float[] output, finalH, finalC;
    float[] dOutput;
    boolean goBackwards, zeroOutputForMask;

    /**
     * Batch below {@link Gemm#MR} with several threads: the step's recurrent GEMV is split by
     * output columns across the team before the (serial) pointwise pass, since a single row
     * leaves no rows to split. Sizes alone decide it (and recurrent dropout, which rules it
     * out), and the split changes no result.
     */
    private boolean gemvColumns;
    /**
     * A batch below {@link Gemm#MR} without recurrent dropout: the step's GEMV reads U's step
     * columns from panels of {@link #GEMV_PANEL} columns (each a contiguous {@code units x 256}
     * matrix, stored as four {@code units x 64} blocks that {@link Gemv#panelRow} reads as four
     * streams), packed once per call, first panel to last on even steps and last to first on odd
     * ones. U is about as large as the L2 (1 MiB at 256 units): read in place, one 1 KiB run from
     * each 4 KiB row per panel, or in the same order every step, it came from L3 on every step;
     * the reverse walk over contiguous panels starts with what the previous step read last,
     * still in L2. LSTM 1x100x128x256 inference took 0.82x the time (0.95x for the panels alone,
     * 0.99x for the alternation alone; one JVM, Zen 5), and 0.75-0.96x against the previous
     * build in the same JVM. A column's result does not depend on its panel (see
     * {@link Gemm#gemvSerial}), so neither the panels nor the order change a bit. Full panels go
     * through {@link Gemv#panelRow}, whose row stride is a constant so that C2 drops the range
     * checks from its loop: 0.927x / 0.947x the time of the general GEMV loop on the same panels
     * (one workspace, the two paths switched per call, alternating order; separate workspaces
     * differed by up to 12% by where their arrays landed alone). Under {@link #gemvColumns} each
     * thread packs and reads the panels of its own column range instead of its columns of U in
     * place (2 KiB of every 4 KiB row): LSTM 1x100x128x256 inference on two threads took
     * 0.77-0.81x the time, GRU 0.83-0.86x (one workspace, switched per call, both orders). In
     * training the single-stream panels gained nothing clear (0.98x and 1.12x in the two orders);
     * the four-stream ones took LSTM 1x100x128x256 training 0.86-0.89x the time on one thread and
     * 0.95-0.96x on two. (The backward's GEMV on Uᵀ read in alternating runs of rows took
     * 1.06-1.07x the time.)
     */
    private boolean gemvPanels;
    /** Columns {@code [0, gemvPanelColumns)} of U are the step's product (the cell's forward blocks). */
    private int gemvPanelColumns;
    /**
     * Fewest steps for {@link #gemvPanels}: packing costs about two reads of U (a read and a
     * write) and each step's read of the panels saves 10-20% of one, so shorter calls (streaming
     * one step at a time) read U in place. LSTM 1xTx128x256 inference on one thread with the
     * panels against U in place: T = 1 2.3-2.9x the time, T = 4 1.39x, T = 8 1.12-1.16x, T = 16
     * 0.97-0.99x.
     */
    static final int GEMV_PANELS_MIN_TIME = 16;
    /** Columns per panel of {@link #gemvPanels}: the GEMV's widest loop step, 16 vectors. */
    private static final int GEMV_PANEL = Gemv.PANEL;
    /** The sizes and the team allow {@link #gemvColumns}; recurrent dropout, per call, may not. */
    private final boolean gemvSplittable;
    /**
     * The forward and backward GEMVs in one chunk per thread: as few and as wide as possible, since
     * a wider column run keeps the GEMV in its widest loop (16 vectors of columns: 35 vs 30 GFLOP/s
     * at 8) and every chunk costs a claim. Widths are multiples of the vector length (forward
     * columns) and of 4 (backward rows, the loop's group), and come from the sizes and the
     * team size only.
     */
    private final int gemvForwardChunks, gemvBackwardChunks, gemvForwardWidth, gemvBackwardWidth;
    private final Threads.Task gemvForwardTask;
    /** Packs range {@code i} of {@link #gemvPanels} under {@link #gemvColumns}. */
    private final Threads.Task gemvPackTask;
    private final Threads.Task gemvBackwardTask;
    /**
     * The input projection {@code x·W} is computed step by step, for the rows of the chunk right
     * before their recurrent product, instead of as one GEMM over the whole sequence up front:
     * the step's gate rows are then still in L1/L2 when the pointwise pass reads them, instead of
     * coming back from memory (the whole-sequence projection is B*T*G*H floats, 26 MiB at batch
     * 64, 100 steps, LSTM 256, more than the L3 holds). Not under input dropout (one product per
     * gate block), nor below {@link Gemm#MR} rows (one row gains nothing from packed W), nor when
     * the packed W is larger than {@link #STEP_PROJECTION_MAX_W}.
     */
    private boolean stepProjection;
    /**
     * Floats of W up to which the per-step projection pays: every step reads all of the packed W
     * again, cheap while it stays in L2 (1-2 MiB). Above, one GEMM over the whole sequence reuses
     * each W panel over far more rows: LSTM 64x100x512x1024 (W 8 MiB) inference took 0.94-0.95x
     * the time without the per-step projection, 256x50x256x512 (2 MiB) about the same, and
     * 64x100x128x256 (512 KiB) 1.02-1.04x (interleaved runs, Zen 5). Raised from 1 to 2 MiB in
     * session 19, once the stacked product carried the bias (so the pointwise pass lost its
     * bias adds, 4-5% of JFR's samples at 256x50x256x512): that shape's inference then took
     * 0.95-0.96x the time on one thread and 0.96-0.98x on two, training 0.97-1.00x on one and
     * 0.93-1.05x on two (two builds in one JVM, both orders, Sapphire Rapids, 2 MiB L2).
     */
    static final long STEP_PROJECTION_MAX_W = 1L << 19;
    /** The sizes allow {@link #stepProjection} (W within {@link #STEP_PROJECTION_MAX_W}). */
    private final boolean stepProjectionFits;
    /**
     * Inference with the per-step projection keeps no gates for a backward pass: the gate rows of
     * every step then reuse the same {@code B} rows ({@link #gateRow}), which stay in cache.
     */
    private boolean gateRing;
    /**
     * Inference keeps no state rows for a backward pass either: the rows of step {@code t}'s
     * states (h, c, and a(c') and GRU's {@code hp_h}, which only backward reads) then live in one
     * of two {@code B}-row slots, by the parity of {@code t} ({@link #stateRow}), so a step reads
     * one slot and writes the other, both in cache, instead of a fresh row of the {@code B*T}-row
     * buffers per step (GRU 64x100x128x256: 13 MB of new lines per inference call, whose misses
     * {@link SimdCells}' prefetch of the next row had been waiting on).
     */
    private boolean stateRing;
    /**
     * Under {@link #stepProjection}, for cells whose gates take {@code x·W + h·U} whole
     * ({@link SimdCells.Cell#stacksProducts}: LSTM, SimpleRNN) and without recurrent dropout,
     * each chunk's step is one product {@code [x(t), h(t-1)]·[W; U]} of depth {@code I + H} on
     * {@code [W; U]} packed once per call, instead of {@code x(t)·W} into the gate rows and
     * {@code h·U} into {@link SimdRnnWorkspace#recurrent}, which the pointwise pass then added:
     * one kernel call and one store of each C tile instead of two, no {@code h·U} buffer
     * (256 KiB at batch 64, LSTM 256) between the product and the pointwise pass, and one pass
     * less over the gates. The sums are the same terms in another order
     * ({@code x·W + h·U} in one chain). Step products at 64x1024x(128+256), pre-packed, one
     * thread: 0.95-0.97x the time of the two products (Sapphire Rapids, alternated in one JVM).
     * With a bias the product is {@code [x(t), h(t-1), 1]·[W; U; b]} (depth {@code I + H + 1},
     * {@link SimdRnnWorkspace#stackedDepth}): the kernel's last FMA adds {@code 1 * b}, exactly
     * the add the pointwise pass did after the product, so the gates are the same bits within a
     * K block, and the pass over the gate rows that added the bias is gone.
     */
    boolean stackedStep;

    /**
     * The forward steps are cut across the team by ranges of units instead of rows: each thread
     * multiplies all rows by its share of every gate block of U (per-block packs, so a range is a
     * run of whole panels) and then runs the pointwise pass of its units for all rows. Every
     * thread then reads only its part of U per step instead of all of it, and each panel serves
     * all the batch's rows: for U larger than L2 and row chunks of fewer than
     * {@link #UNIT_SPLIT_MAX_ROWS} rows, that stream, not the FMAs, limited the step.
     * Only for cells whose pointwise pass is per unit ({@link SimdCells.Cell#splitsUnits}), with
     * the whole-sequence input projection and without recurrent dropout; a unit's arithmetic
     * does not depend on its range, so results are the same as with row chunks.
     */
    private boolean unitSplit;
    /** The cell, sizes and team allow {@link #unitSplit}. */
    private final boolean unitSplitFits;
    /** Panels of {@link Gemm#NR} units per gate block, and the unit ranges a step is cut into. */
    private final int unitPanels, unitChunks;
    /** Floats of U above which a step is cut by units ({@link #unitSplit}): larger than L2 (1 MiB). */
    static final long UNIT_SPLIT_MIN_U = 1L << 18;
    /**
     * Rows per thread below which a step is cut by units ({@link #unitSplit}). The cut by units
     * has each thread pack all rows of h and read the half of h the other thread wrote; it pays
     * when a row chunk is too small to reuse its stream of U. Against row chunks, on two threads:
     * LSTM 64x100x512x1024 inference (32 rows each) 0.91-0.93x the time, 128x50x512x1024 (64)
     * 0.99-1.00x, 256x50x256x512 (128) 1.12-1.15x (interleaved in one JVM, Zen 5).
     */
    static final int UNIT_SPLIT_MAX_ROWS = 64;
    private final Threads.Task forwardUnitsTask;

    /** The step the thread team is working on. */
    int step;
    private final SimdCells.Cell cell;
    /**
     * Row chunk {@code i} through every step: the whole forward walk of its rows, or the whole
     * backward walk. A batch row's recurrence reads only its own rows (its h, c, gates, dh, dc
     * and their products with the packed weights), so when the steps are cut by rows each thread
     * takes its rows from the first step to the last with no join between steps: one team job
     * per walk instead of one per step. With a join per step, every step waited for the slower
     * thread (JFR, LSTM 64x100x128x256 inference on two threads: 9% of the samples in the
     * team's spin loops), and this host's two cores rarely run equally fast for long. Each row's
     * operations and their order are those of the per-step walk, so results are the same bits.
     */
    private final Threads.Task forwardTask, backwardTask;
    /** Row chunk {@code i} of {@link #step} only: with {@link #gemvColumns} or {@link #unitSplit}, whose steps need all rows of the last one. */
    private final Threads.Task forwardStepTask, backwardStepTask;
    /**
     * Fills a range of {@link #teamPack}'s panels. The weights are packed once per call, on the
     * calling thread alone until session 20, while the rest of the team waited: a call of a few
     * steps is short next to the 1.5 MiB {@code [W; U; b]} of LSTM 64x10x128x256. Two threads,
     * new / old time, two builds in one JVM: 64x10x128x256 inference 0.986, 0.932, 0.966 (both
     * orders), training 0.985 / 0.965; at 100 steps within noise (0.941-1.048).
     */
    private final Threads.Task packTask;
    /** The pack {@link #packTask} fills, and into how many panel ranges ({@link #packInTeam}). */
    private Gemm.PackedB teamPack;
    private int teamPackChunks;
    /** Floats of packed panels below which a pack stays on the calling thread. */
    static final long TEAM_PACK_MIN_FLOATS = 1L << 16;

    /**
     * The run of {@code ws}, made once with it and re-bound ({@link #bind}) to the arguments of
     * every call: the cell and the four thread-team tasks (lambdas) are created here, not per
     * call, so a warm call allocates nothing (streaming inference calls the kernels once per
     * timestep). All of this depends only on the spec, the sizes and the backend.
     */
    SimdRnnRun(SimdBackend be, SimdRnnWorkspace ws) {
        this.be = be;
        this.gemm = be.gemmEngine();
        this.spec = ws.spec;
        this.ws = ws;
        batch = ws.batch;
        time = ws.time;
        inputSize = spec.inputSize();
        units = spec.units();
        gates = spec.gates();
        gateWidth = spec.gateWidth();
        long stepFlops = 2L * batch * units * gateWidth;
        int slivers = (batch + Gemm.MR - 1) / Gemm.MR;
        int team = be.team().size();
        chunks = stepFlops * time < PARALLEL_CALL_FLOPS ? 1 : Math.min(slivers, team);
        stepProjectionFits = (long) inputSize * gateWidth <= STEP_PROJECTION_MAX_W;
        gemvSplittable = batch < Gemm.MR && team > 1 && stepFlops >= Gemm.PARALLEL_GEMV_FLOPS;
        cell = SimdCells.of(spec);
        unitPanels = (units + Gemm.NR - 1) / Gemm.NR;
        unitChunks = Math.min(team, unitPanels);
        unitSplitFits = cell.splitsUnits() && unitChunks > 1 && batch >= Gemm.MR && stepFlops >= PARALLEL_STEP_FLOPS
                && (long) units * gateWidth > UNIT_SPLIT_MIN_U && batch < UNIT_SPLIT_MAX_ROWS * team;
        forwardUnitsTask = i -> cell.forwardUnits(this, step, unitStart(i), unitStart(i + 1));
        forwardStepTask = i -> forwardRows(step, rowStart(i), rowStart(i + 1));
        backwardStepTask = i -> cell.backwardStep(this, step, rowStart(i), rowStart(i + 1));
        forwardTask = i -> {
            int b0 = rowStart(i), b1 = rowStart(i + 1);
            for (int s = 0; s < time; s++) {
                forwardRows(s, b0, b1);
            }
        };
        backwardTask = i -> {
            int b0 = rowStart(i), b1 = rowStart(i + 1);
            for (int s = time - 1; s >= 0; s--) {
                cell.backwardStep(this, s, b0, b1);
            }
        };
        packTask = i -> teamPack.packPanels(packPanelStart(i), packPanelStart(i + 1));
        int fwdCols = cell.forwardBlocks(this) * units;
        gemvForwardWidth = roundUp((fwdCols + team - 1) / team, VL);
        gemvForwardChunks = (fwdCols + gemvForwardWidth - 1) / gemvForwardWidth;
        gemvBackwardWidth = roundUp((units + team - 1) / team, 4);
        gemvBackwardChunks = (units + gemvBackwardWidth - 1) / gemvBackwardWidth;
        gemvForwardTask = i -> {
            int c0 = i * gemvForwardWidth, c1 = Math.min(fwdCols, c0 + gemvForwardWidth);
            int t = timeIndex(step);
            if (gemvPanels) {
                gemvFromPanels(batch, stateRow(0, t) * units, 0, c0, c1);
                return;
            }
            gemm.gemvSerial(false, batch, c1 - c0, units, 1f, ws.hPrev, stateRow(0, t) * units, stateStride(),
                    recurrentKernel, c0, gateWidth, 0f, ws.recurrent, c0, gateWidth);
        };
        gemvPackTask = i -> packGemvRange(i * gemvForwardWidth, Math.min(fwdCols, (i + 1) * gemvForwardWidth));
        gemvBackwardTask = i -> {
            int c0 = i * gemvBackwardWidth, c1 = Math.min(units, c0 + gemvBackwardWidth);
            cell.backwardColumns(this, timeIndex(step), c0, c1);
        };
    }

    /**
     * Binds the arguments of one call (backward: {@code b} non-null) after checking that this
     * backend owns every tensor; the caller has checked that they fit the workspace's spec,
     * batch and time. Nothing is written before every check has passed.
     */
    SimdRnnRun bind(RnnForwardArgs a, RnnBackwardArgs b) {
        RnnWorkspaceChecks.checkOwned(be, a, b); // every argument, before anything is written
        this.fwd = a;
        this.bwd = b;
        this.x = host(a.x());
        this.kernel = host(a.kernel());
        this.recurrentKernel = host(a.recurrentKernel());
        this.bias = host(a.bias());
        this.mask = host(a.mask());
        this.dropMask = host(a.dropMask());
        this.recurrentDropMask = host(a.recurrentDropMask());
        this.output = host(a.output());
        this.finalH = host(a.finalH());
        this.finalC = host(a.finalC());
        this.dOutput = b == null ? null : host(b.dOutput());
        goBackwards = a.goBackwards();
        zeroOutputForMask = a.zeroOutputForMask();
        stepProjection = dropMask == null && batch >= Gemm.MR && stepProjectionFits;
        gateRing = stepProjection && !a.training();
        stateRing = !a.training();
        gemvColumns = gemvSplittable && recurrentDropMask == null;
        gemvPanels = batch < Gemm.MR && recurrentDropMask == null && time >= GEMV_PANELS_MIN_TIME;
        unitSplit = unitSplitFits && recurrentDropMask == null && !stepProjection;
        stackedStep = stepProjection && recurrentDropMask == null && cell.stacksProducts();
        if (b != null) {
            ws.ensureBackwardBuffers();
        }
        return this;
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** The host array of a tensor {@link RnnWorkspaceChecks#checkOwned} has checked, or null. */
    private static float[] host(Tensor t) {
        return t == null ? null : (float[]) t.storage();
    }

    /** Drops the references to the last call's arguments (the workspace was closed). */
    void unbind() {
        fwd = null;
        bwd = null;
        x = kernel = recurrentKernel = bias = mask = dropMask = recurrentDropMask = null;
        output = finalH = finalC = dOutput = null;
    }

    /** Whether the cell, sizes and team let forward steps be cut by units (with a whole-sequence projection and no recurrent dropout). */
    boolean unitSplitFits() {
        return unitSplitFits;
    }

    /** First unit of range {@code i} under {@link #unitSplit}: whole panels. */
    private int unitStart(int i) {
        return Math.min(units, (int) ((long) unitPanels * i / unitChunks) * Gemm.NR);
    }

    /** First batch row of chunk {@code i}: whole MR-row slivers. */
    private int rowStart(int i) {
        int slivers = (batch + Gemm.MR - 1) / Gemm.MR;
        return Math.min(batch, (int) ((long) slivers * i / chunks) * Gemm.MR);
    }

    // ------------------------------------------------------------------ walks

    void forward() {
        if (stackedStep) {
            // W and U in one pack, the input projection part of each step's product; the rows
            // buffer made here, on the calling thread, not by the team
            ws.stackedPack().prepareStacked(kernel, 0, gateWidth, inputSize, recurrentKernel, 0, gateWidth, units, bias, 0);
            packInTeam(ws.stackedPack());
            ws.stackedRows();
        } else {
            cell.packForward(this);
            if (gemvPanels) {
                packGemvPanels();
            }
            if (stepProjection) {
                ws.inputPack().prepare(kernel, 0, gateWidth);
                packInTeam(ws.inputPack());
            } else {
                inputProjection();
            }
        }
        loadInitialStates();
        if (!gemvColumns && !unitSplit) {
            be.team().run(chunks, forwardTask);
            return;
        }
        for (int s = 0; s < time; s++) {
            step = s;
            if (gemvColumns) {
                be.team().run(gemvForwardChunks, gemvForwardTask);
            }
            if (unitSplit) {
                be.team().run(unitChunks, forwardUnitsTask);
            } else {
                be.team().run(chunks, forwardStepTask);
            }
        }
    }

    /** Step {@code s} of rows {@code [b0, b1)}: their products, then the cell's pointwise pass. */
    private void forwardRows(int s, int b0, int b1) {
        if (stackedStep) {
            stackedProduct(s, b0, b1);
        } else if (stepProjection) {
            projectStep(s, b0, b1);
        }
        cell.forwardStep(this, s, b0, b1);
    }

    void backward() {
        inputKernelGradientColumns = 0;
        ws.ensureBackwardBuffers();
        if (bias != null) {
            Arrays.fill(ws.biasRows, 0d);
        }
        cell.packBackward(this);
        loadFinalStateGradients();
        if (gemvColumns) {
            for (int s = time - 1; s >= 0; s--) {
                step = s;
                be.team().run(chunks, backwardStepTask);
                be.team().run(gemvBackwardChunks, gemvBackwardTask);
            }
        } else {
            be.team().run(chunks, backwardTask);
        }
        storeInitialStateGradients();
        cell.recurrentGradients(this);
        inputGradients();
    }

    // ------------------------------------------------------------------ indexing

    int timeIndex(int s) {
        return goBackwards ? time - 1 - s : s;
    }

    int row(int b, int t) {
        return b * time + t;
    }

    /** The row of {@code (b, t)} in the gates buffer: {@link #row}, or {@code b} in the inference ring. */
    int gateRow(int b, int t) {
        return gateRing ? b : row(b, t);
    }

    /**
     * The row of {@code (b, t)} in the state buffers ({@code hPrev}, {@code cPrev}, {@code actC},
     * {@code gruAux}): {@link #row}, or in inference slot {@code t & 1} of the
     * {@link #stateRing}. Backward runs only after a training forward, where the two agree.
     */
    int stateRow(int b, int t) {
        return stateRing ? (t & 1) * batch + b : row(b, t);
    }

    /** Floats from row {@code b} to row {@code b + 1} of one step's states ({@link #stateRow}). */
    int stateStride() {
        return stateRing ? units : time * units;
    }

    boolean keep(int b, int t) {
        return mask == null || mask[b * time + t] != 0f;
    }

    float[] nextH(int s) {
        return s + 1 < time ? ws.hPrev : finalH;
    }

    float[] nextC(int s) {
        return s + 1 < time ? ws.cPrev : finalC;
    }

    int nextStateOffset(int s, int b) {
        return s + 1 < time ? stateRow(b, timeIndex(s + 1)) * units : b * units;
    }


    /**
     * {@code out = (a * h) * recurrentDropMask_k} for row {@code b} over {@code units} lanes
     * ({@code a * h} without recurrent dropout).
     */
    void recurrentDropped(int b, int k, float[] a, int ao, float[] h, int ho, float[] out, int oo) {
        int mo = b * gateWidth + k * units;
        for (int j = 0; j < units; j += VL) {
            VectorMask<Float> m = S.indexInRange(j, units);
            FloatVector v = FloatVector.fromArray(S, a, ao + j, m).mul(FloatVector.fromArray(S, h, ho + j, m));
            if (recurrentDropMask != null) {
                v = v.mul(FloatVector.fromArray(S, recurrentDropMask, mo + j, m));
            }
            v.intoArray(out, oo + j, m);
        }
    }

    /** {@code out = h * recurrentDropMask_k} for row {@code b} (dropout present). */
    private void dropRow(int b, int k, float[] h, int ho, float[] out, int oo) {
        int mo = b * gateWidth + k * units;
        for (int j = 0; j < units; j += VL) {
            VectorMask<Float> m = S.indexInRange(j, units);
            FloatVector.fromArray(S, h, ho + j, m).mul(FloatVector.fromArray(S, recurrentDropMask, mo + j, m)).intoArray(out, oo + j, m);
        }
    }

    // ------------------------------------------------------------------ forward, sequence level

    void packForward(int k0, int k1) {
        pack(k0, k1, true);
    }

    void packBackward(int k0, int k1) {
        pack(k0, k1, false);
    }

    /**
     * Fills {@code pb}'s panels ({@link Gemm.PackedB#prepare prepared} by the caller) across
     * the team, a range of panels per thread, or on the calling thread below
     * {@link #TEAM_PACK_MIN_FLOATS}: the same panels either way.
     */
    private void packInTeam(Gemm.PackedB pb) {
        teamPack = pb;
        teamPackChunks = (long) pb.k * pb.npad < TEAM_PACK_MIN_FLOATS ? 1 : Math.min(be.team().size(), pb.panels());
        try {
            be.team().run(teamPackChunks, packTask);
        } finally {
            teamPack = null;
        }
    }

    /** The first panel of range {@code i} of {@link #teamPack}. */
    private int packPanelStart(int i) {
        return (int) ((long) teamPack.panels() * i / teamPackChunks);
    }

    /**
     * Packs U's column blocks {@code [k0, k1)} (each block alone under recurrent dropout) for the
     * forward ({@code U}) or backward ({@code Uᵀ}) steps. Batches below {@link Gemm#MR} rows
     * multiply on U itself (the GEMV path), so there it only records where U is.
     */
    private void pack(int k0, int k1, boolean forward) {
        int step = recurrentDropMask == null && !(forward && unitSplit) ? k1 - k0 : 1;
        for (int k = k0; k < k1; k += step) {
            Gemm.PackedB pb = forward ? ws.forwardPack(k, k + step) : ws.backwardPack(k, k + step);
            if (batch < Gemm.MR) {
                pb.bind(recurrentKernel, k * units, gateWidth);
            } else {
                pb.prepare(recurrentKernel, k * units, gateWidth);
                packInTeam(pb);
            }
        }
        if (forward && unitSplit) {
            ws.ensureForwardBlockPacks(); // made here, on the calling thread, before the team reads it
        }
    }

    void loadInitialStates() {
        int t0 = timeIndex(0);
        float[] h0 = fwd.initialH() == null ? null : (float[]) fwd.initialH().storage();
        float[] c0 = fwd.initialC() == null ? null : (float[]) fwd.initialC().storage();
        for (int b = 0; b < batch; b++) {
            int d = stateRow(b, t0) * units;
            if (h0 != null) {
                System.arraycopy(h0, b * units, ws.hPrev, d, units);
            } else {
                Arrays.fill(ws.hPrev, d, d + units, 0f);
            }
            if (ws.cPrev != null) {
                if (c0 != null) {
                    System.arraycopy(c0, b * units, ws.cPrev, d, units);
                } else {
                    Arrays.fill(ws.cPrev, d, d + units, 0f);
                }
            }
        }
    }

    /** {@code gates = x·W} for every timestep as one GEMM; with input dropout one per gate block. */
    void inputProjection() {
        int rows = batch * time;
        if (dropMask == null && rows < Gemm.MR) {
            // streaming (batch 1, one step per call): serial, since a split GEMV allocates its task
            gemm.gemvSerial(false, rows, gateWidth, inputSize, 1f, x, 0, inputSize,
                    kernel, 0, gateWidth, 0f, ws.gates, 0, gateWidth);
            return;
        }
        if (dropMask == null) {
            gemm.gemm(false, false, rows, gateWidth, inputSize, 1f, x, 0, inputSize,
                    kernel, 0, gateWidth, 0f, ws.gates, 0, gateWidth);
            return;
        }
        for (int k = 0; k < gates; k++) {
            droppedInput(k);
            gemm.gemm(false, false, rows, units, inputSize, 1f, ws.sequenceScratch, 0, inputSize,
                    kernel, k * units, gateWidth, 0f, ws.gates, k * units, gateWidth);
        }
    }

    /** Rows {@code [b0, b1)} of step {@code s}'s gate rows {@code = x(t)·W}, on the packed W. */
    private void projectStep(int s, int b0, int b1) {
        int m = b1 - b0;
        if (m <= 0) {
            return;
        }
        int t = timeIndex(s);
        gemm.gemmSerial(m, 1f, x, row(b0, t) * inputSize, time * inputSize, ws.inputPack(),
                0f, ws.gates, gateRow(b0, t) * gateWidth, (gateRing ? 1 : time) * gateWidth);
    }

    /**
     * Rows {@code [b0, b1)} of step {@code s}'s gate rows {@code = [x(t), h(t-1), 1]·[W; U; b]}
     * ({@link #stackedStep}; without a bias {@code [x(t), h(t-1)]·[W; U]}): each row's input and
     * state copied beside its constant 1, then one product.
     */
    private void stackedProduct(int s, int b0, int b1) {
        int m = b1 - b0;
        if (m <= 0) {
            return;
        }
        int t = timeIndex(s);
        int depth = ws.stackedDepth();
        float[] rows = ws.stackedRows();
        for (int b = b0; b < b1; b++) {
            System.arraycopy(x, row(b, t) * inputSize, rows, b * depth, inputSize);
            System.arraycopy(ws.hPrev, stateRow(b, t) * units, rows, b * depth + inputSize, units);
        }
        gemm.gemmSerial(m, 1f, rows, b0 * depth, depth, ws.stackedPack(),
                0f, ws.gates, gateRow(b0, t) * gateWidth, (gateRing ? 1 : time) * gateWidth);
    }

    /** {@code sequenceScratch (B*T, I) = x * dropMask_k}, row b's mask broadcast over time. */
    private void droppedInput(int k) {
        float[] out = ws.sequenceScratch;
        for (int b = 0; b < batch; b++) {
            int mo = b * gates * inputSize + k * inputSize;
            for (int t = 0; t < time; t++) {
                int r = row(b, t) * inputSize;
                for (int i = 0; i < inputSize; i += VL) {
                    VectorMask<Float> m = S.indexInRange(i, inputSize);
                    FloatVector.fromArray(S, x, r + i, m).mul(FloatVector.fromArray(S, dropMask, mo + i, m)).intoArray(out, r + i, m);
                }
            }
        }
    }

    /**
     * Rows {@code [b0, b1)} of {@code recurrent[:, blocks k0..k1) = (h_prev(t) * recurrentDropMask_k)·U_k}
     * on the packed U: one GEMM on the strided h_prev rows, or one per block under dropout.
     */
    void recurrentProduct(int t, int k0, int k1, int b0, int b1) {
        int m = b1 - b0;
        if (m <= 0 || gemvColumns || stackedStep) {
            // with gemvColumns the step's product was computed column-parallel before the step,
            // with stackedStep together with the input projection
            return;
        }
        if (gemvPanels && k0 == 0 && k1 * units == gemvPanelColumns) {
            gemvFromPanels(m, stateRow(b0, t) * units, b0 * gateWidth, 0, gemvPanelColumns);
            return;
        }
        if (recurrentDropMask == null) {
            gemm.gemmSerial(m, 1f, ws.hPrev, stateRow(b0, t) * units, stateStride(), ws.forwardPack(k0, k1),
                    0f, ws.recurrent, b0 * gateWidth + k0 * units, gateWidth);
            return;
        }
        for (int k = k0; k < k1; k++) {
            for (int b = b0; b < b1; b++) {
                dropRow(b, k, ws.hPrev, stateRow(b, t) * units, ws.stepScratch, b * units);
            }
            gemm.gemmSerial(m, 1f, ws.stepScratch, b0 * units, units, ws.forwardPack(k, k + 1),
                    0f, ws.recurrent, b0 * gateWidth + k * units, gateWidth);
        }
    }

    /**
     * Copies U's step columns into {@link #gemvPanels}, stored in place
     * ({@code gemvPanelsBase() + c0 * units} for column {@code c0}): each range of columns one thread multiplies (all of them on one thread,
     * {@link #gemvForwardWidth} under {@link #gemvColumns}) is cut into panels from its start; a
     * full panel is the four {@code units x NR} blocks {@link Gemv#panelRow} reads (with 16-float
     * vectors; with narrower ones every panel is row-major), a narrower last panel of a range is
     * row-major.
     */
    private void packGemvPanels() {
        int n = cell.forwardBlocks(this) * units;
        gemvPanelColumns = n;
        ws.gemvPanels(units * n);
        if (gemvColumns) {
            // the ranges packed in parallel, so mostly by the thread that reads them, into its
            // own L2 (the team hands chunks to whichever thread claims them first); one thread
            // packing all of U cost LSTM 1x100x128x256 inference on two threads 1.10x the time
            be.team().run(gemvForwardChunks, gemvPackTask);
        } else {
            packGemvRange(0, n);
        }
    }

    /** Packs the panels of columns {@code [r0, r1)}, cut from {@code r0}. */
    private void packGemvRange(int r0, int r1) {
        float[] panels = ws.gemvPanels(units * gemvPanelColumns);
        int base = ws.gemvPanelsBase();
        for (int c0 = r0; c0 < r1; c0 += GEMV_PANEL) {
            int w = Math.min(GEMV_PANEL, r1 - c0);
            int block = fourBlockPanel(w) ? Gemm.NR : w;
            for (int j = 0; j < w; j += block) {
                for (int p = 0; p < units; p++) {
                    System.arraycopy(recurrentKernel, p * gateWidth + c0 + j, panels, base + c0 * units + j * units + p * block, block);
                }
            }
        }
    }

    /** A panel {@code w} columns wide is stored as four blocks for {@link Gemv#panelRow}, else row-major. */
    private static boolean fourBlockPanel(int w) {
        return w == GEMV_PANEL && VL >= 16;
    }

    /**
     * The step's {@code m < MR} rows times U's step columns {@code [r0, r1)} (one range of
     * {@link #packGemvPanels}) from {@link #gemvPanels}, in this step's panel order.
     */
    private void gemvFromPanels(int m, int offA, int offC, int r0, int r1) {
        float[] panels = ws.gemvPanels(units * gemvPanelColumns);
        int base = ws.gemvPanelsBase();
        int count = (r1 - r0 + GEMV_PANEL - 1) / GEMV_PANEL;
        for (int i = 0; i < count; i++) {
            int q = (step & 1) == 0 ? i : count - 1 - i;
            int c0 = r0 + q * GEMV_PANEL, w = Math.min(GEMV_PANEL, r1 - c0);
            if (fourBlockPanel(w)) {
                for (int r = 0; r < m; r++) {
                    Gemv.panelRow(units, ws.hPrev, offA + r * stateStride(), panels, base + c0 * units, ws.recurrent, offC + c0 + r * gateWidth);
                }
                continue;
            }
            gemm.gemvSerial(false, m, w, units, 1f, ws.hPrev, offA, stateStride(),
                    panels, base + c0 * units, w, 0f, ws.recurrent, offC + c0, gateWidth);
        }
    }

    /**
     * Units {@code [u0, u1)} of every gate block of the step's recurrent product, for all rows,
     * on the per-block packs ({@link #unitSplit}).
     */
    void recurrentProductUnits(int t, int u0, int u1) {
        gemm.gemmSerialColumns(batch, u0, u1, 1f, ws.hPrev, stateRow(0, t) * units, stateStride(), ws.forwardBlockPacks(), gates,
                0f, ws.recurrent, 0, units, gateWidth);
    }

    /** A masked row: states carried, output the previous output (zeros at step 0) or zeros. */
    void carryMasked(int s, int b, int t) {
        carryMasked(s, b, t, 0, units);
    }

    /** {@link #carryMasked(int, int, int)} for units {@code [u0, u0 + w)} of the row. */
    void carryMasked(int s, int b, int t, int u0, int w) {
        int src = stateRow(b, t) * units + u0;
        int dst = nextStateOffset(s, b) + u0;
        System.arraycopy(ws.hPrev, src, nextH(s), dst, w);
        if (ws.cPrev != null) {
            System.arraycopy(ws.cPrev, src, nextC(s), dst, w);
        }
        int out = outputOffset(s, b) + u0;
        if (zeroOutputForMask || s == 0) {
            Arrays.fill(output, out, out + w, 0f);
        } else {
            System.arraycopy(output, out - units, output, out, w);
        }
    }

    void emitOutput(int s, int b, float[] h, int hOffset) {
        emitOutput(s, b, h, hOffset, 0, units);
    }

    /** Units {@code [u0, u0 + w)} of the step's output row, from {@code h[hOffset + u0 ..]}. */
    void emitOutput(int s, int b, float[] h, int hOffset, int u0, int w) {
        System.arraycopy(h, hOffset + u0, output, outputOffset(s, b) + u0, w);
    }

    /** Offset of row {@code b} of step {@code s} in the output sequence. */
    int outputOffset(int s, int b) {
        return (b * time + s) * units;
    }

    // ------------------------------------------------------------------ backward, sequence level

    void loadFinalStateGradients() {
        copyOrZero(bwd.dFinalH(), ws.dh);
        copyOrZero(bwd.dFinalC(), ws.dc);
        Arrays.fill(ws.dOutputCarry, 0f);
    }

    private static void copyOrZero(Tensor src, float[] dst) {
        if (src == null) {
            Arrays.fill(dst, 0f);
        } else {
            System.arraycopy((float[]) src.storage(), 0, dst, 0, dst.length);
        }
    }

    /**
     * For a kept row of step {@code s}: {@code dhNew[b] = dh[b] + carry[b] + dOutput[b, s]}, the
     * whole gradient of the new state h (the step's output is that h); the carry is consumed.
     */
    void gatherNewStateGradient(int s, int b) {
        int o = b * units;
        int d = outputOffset(s, b);
        float[] dh = ws.dh, carry = ws.dOutputCarry, dhNew = ws.dhNew;
        for (int j = 0; j < units; j += VL) {
            VectorMask<Float> m = S.indexInRange(j, units);
            FloatVector g = FloatVector.fromArray(S, dh, o + j, m).add(FloatVector.fromArray(S, carry, o + j, m));
            if (dOutput != null) {
                g = g.add(FloatVector.fromArray(S, dOutput, d + j, m));
            }
            g.intoArray(dhNew, o + j, m);
            FloatVector.zero(S).intoArray(carry, o + j, m);
        }
    }

    /**
     * The output's gradient for the fused backward rows: {@code dOutput}, or without one a row
     * of zeros ({@link #outputGradientRow} is then 0), so those loops add it unconditionally: an
     * {@code if} around the add would merge two vectors at a phi, which C2 boxes on the heap.
     */
    float[] outputGradientRows() {
        return dOutput != null ? dOutput : ws.zeroRow;
    }

    /** Offset of row {@code b} of step {@code s} in {@link #outputGradientRows}. */
    int outputGradientRow(int s, int b) {
        return dOutput != null ? outputOffset(s, b) : 0;
    }

    /** A masked row: no gate gradient, dh and dc pass through, the output's gradient goes to the previous output. */
    void passMasked(int s, int b, int t) {
        int g = row(b, t) * gateWidth;
        Arrays.fill(ws.dGates, g, g + gateWidth, 0f);
        if (ws.dRecurrentCandidate != null) {
            int h = row(b, t) * units;
            Arrays.fill(ws.dRecurrentCandidate, h, h + units, 0f);
        }
        if (!zeroOutputForMask && dOutput != null) {
            int o = b * units;
            int d = outputOffset(s, b);
            for (int j = 0; j < units; j += VL) {
                VectorMask<Float> m = S.indexInRange(j, units);
                FloatVector.fromArray(S, ws.dOutputCarry, o + j, m).add(FloatVector.fromArray(S, dOutput, d + j, m)).intoArray(ws.dOutputCarry, o + j, m);
            }
        }
    }

    /** Rows {@code [b0, b1)}: {@code dh += sum_k (dG_k(t)·U_kᵀ) * recurrentDropMask_k} on the packed Uᵀ. */
    void recurrentBackward(float[] dG, int t, int k0, int k1, int b0, int b1) {
        recurrentBackward(dG, gateWidth, k0 * units, t, k0, k1, b0, b1);
    }

    /**
     * {@link #recurrentBackward(float[], int, int, int, int, int)} with gate block {@code k0}'s
     * gradient at column {@code col} of rows {@code width} wide.
     */
    void recurrentBackward(float[] dG, int width, int col, int t, int k0, int k1, int b0, int b1) {
        int m = b1 - b0;
        if (m <= 0 || gemvColumns) {
            return; // with gemvColumns the product runs column-parallel after the step
        }
        int ld = time * width;
        int a = (b0 * time + t) * width + col;
        if (recurrentDropMask == null) {
            gemm.gemmSerial(m, 1f, dG, a, ld, ws.backwardPack(k0, k1), 1f, ws.dh, b0 * units, units);
            return;
        }
        for (int k = k0; k < k1; k++) {
            gemm.gemmSerial(m, 1f, dG, a + (k - k0) * units, ld, ws.backwardPack(k, k + 1),
                    0f, ws.stepScratch, b0 * units, units);
            for (int b = b0; b < b1; b++) {
                int mo = b * gateWidth + k * units;
                for (int j = 0; j < units; j += VL) {
                    VectorMask<Float> mk = S.indexInRange(j, units);
                    int o = b * units + j;
                    FloatVector.fromArray(S, ws.stepScratch, o, mk).fma(FloatVector.fromArray(S, recurrentDropMask, mo + j, mk), FloatVector.fromArray(S, ws.dh, o, mk)).intoArray(ws.dh, o, mk);
                }
            }
        }
    }

    /**
     * Columns {@code [c0, c1)} of {@code dh += dG_k(t)·U_kᵀ} for blocks {@code [k0, k1)} (block
     * {@code k0} at column {@code col} of rows {@code width} wide), on U itself: the batch-below-MR
     * step's GEMV, split by output columns across the team ({@link #gemvColumns}).
     */
    void recurrentBackwardColumns(float[] dG, int width, int col, int t, int k0, int k1, int c0, int c1) {
        gemm.gemvSerial(true, batch, c1 - c0, (k1 - k0) * units, 1f, dG, t * width + col, time * width,
                recurrentKernel, c0 * gateWidth + k0 * units, gateWidth, 1f, ws.dh, c0, units);
    }

    /** {@code dU[:, blocks k0..k1) += (H_prev * recurrentDropMask_k)ᵀ · dG_k}: one GEMM over all timesteps. */
    void recurrentKernelGradient(float[] dG, int k0, int k1) {
        recurrentKernelGradient(dG, gateWidth, k0 * units, k0, k1);
    }

    /** {@link #recurrentKernelGradient(float[], int, int)} with block {@code k0} at column {@code col} of rows {@code width} wide. */
    void recurrentKernelGradient(float[] dG, int width, int col, int k0, int k1) {
        int rows = batch * time;
        float[] dU = (float[]) bwd.dRecurrentKernel().storage();
        if (recurrentDropMask == null) {
            gemm.gemm(true, false, units, (k1 - k0) * units, rows, 1f, ws.hPrev, 0, units,
                    dG, col, width, 1f, dU, k0 * units, gateWidth);
            return;
        }
        float[] scratch = ws.sequenceScratch;
        for (int k = k0; k < k1; k++) {
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < time; t++) {
                    int r = row(b, t) * units;
                    dropRow(b, k, ws.hPrev, r, scratch, r);
                }
            }
            gemm.gemm(true, false, units, units, rows, 1f, scratch, 0, units,
                    dG, col + (k - k0) * units, width, 1f, dU, k * units, gateWidth);
        }
    }

    /**
     * Gate blocks {@code [0, k1)} of {@code dU += H_prevᵀ·dG} and, without dropout, of
     * {@code dW += Xᵀ·dG} in the same call, which packs each block of dG once for both
     * ({@link Gemm#gemmTwo}; the same bits as two GEMMs): dG (B*T x G*H, 26 MB at batch 64 x 100
     * steps x LSTM 256) is otherwise packed twice, each time from memory. LSTM 64x100x128x256
     * training: 0.986x / 0.987x the time on one thread, 0.977x / 0.987x on two (one workspace,
     * switched per call, both orders). {@link #inputGradients} then does dW's other blocks. For
     * the blocks whose dU is the product with dG itself: all of them for LSTM and SimpleRNN, z and
     * r for GRU.
     */
    void recurrentKernelGradientWithInput(int k1) {
        if (dropMask != null || recurrentDropMask != null) {
            // under dropout each side multiplies its own masked operand: no shared product
            recurrentKernelGradient(ws.dGates, 0, k1);
            return;
        }
        int rows = batch * time;
        int cols = k1 * units;
        gemm.gemmTwo(true, inputSize, x, 0, inputSize, (float[]) bwd.dKernel().storage(), 0, gateWidth,
                units, ws.hPrev, 0, units, (float[]) bwd.dRecurrentKernel().storage(), 0, gateWidth,
                false, cols, rows, 1f, ws.dGates, 0, gateWidth, 1f);
        inputKernelGradientColumns = cols;
    }

    /** Columns {@code [0, c)} of dW that {@link #recurrentKernelGradientWithInput} already did in this backward call (reset by {@link #backward}). */
    private int inputKernelGradientColumns;

    /** {@code dW += Xᵀ·dG} and {@code dx = dG·Wᵀ}, one GEMM each over all timesteps (per gate block under input dropout). */
    void inputGradients() {
        int rows = batch * time;
        float[] dG = ws.dGates;
        float[] dW = (float[]) bwd.dKernel().storage();
        float[] dx = bwd.dx() == null ? null : (float[]) bwd.dx().storage();
        if (dropMask == null) {
            int c0 = inputKernelGradientColumns;
            gemm.gemm(true, false, inputSize, gateWidth - c0, rows, 1f, x, 0, inputSize,
                    dG, c0, gateWidth, 1f, dW, c0, gateWidth);
            if (dx != null) {
                gemm.gemm(false, true, rows, inputSize, gateWidth, 1f, dG, 0, gateWidth,
                        kernel, 0, gateWidth, 0f, dx, 0, inputSize);
            }
            return;
        }
        for (int k = 0; k < gates; k++) {
            droppedInput(k);
            gemm.gemm(true, false, inputSize, units, rows, 1f, ws.sequenceScratch, 0, inputSize,
                    dG, k * units, gateWidth, 1f, dW, k * units, gateWidth);
        }
        if (dx == null) {
            return;
        }
        float[] scratch = ws.sequenceScratch;
        Arrays.fill(dx, 0, rows * inputSize, 0f);
        for (int k = 0; k < gates; k++) {
            gemm.gemm(false, true, rows, inputSize, units, 1f, dG, k * units, gateWidth,
                    kernel, k * units, gateWidth, 0f, scratch, 0, inputSize);
            for (int b = 0; b < batch; b++) {
                int mo = b * gates * inputSize + k * inputSize;
                for (int t = 0; t < time; t++) {
                    int r = row(b, t) * inputSize;
                    for (int i = 0; i < inputSize; i += VL) {
                        VectorMask<Float> m = S.indexInRange(i, inputSize);
                        FloatVector.fromArray(S, scratch, r + i, m).fma(FloatVector.fromArray(S, dropMask, mo + i, m), FloatVector.fromArray(S, dx, r + i, m)).intoArray(dx, r + i, m);
                    }
                }
            }
        }
    }

    /**
     * Adds a kept row's final gate gradients {@code g[go, go + width)} to batch row {@code b}'s
     * float64 partial bias gradient, columns {@code [col, col + width)} of
     * {@link SimdRnnWorkspace#biasRows} (nothing without a bias). Summed while the row is still
     * in cache, instead of in a pass over all B*T rows of dG after the walk: that pass read them
     * back from memory, 4.7% of LSTM 64x100x128x256 training on one thread (JFR), on the calling
     * thread alone. Float64 like the reference's sums: in float, a long sequence's rows, which
     * largely cancel, drifted past 1e-6 of the largest sum at 3000 steps.
     */
    void addBiasRow(int b, float[] g, int go, int col, int width) {
        if (bias == null) {
            return;
        }
        double[] acc = ws.biasRows;
        int o = b * ws.biasRowWidth() + col;
        int half = D.length();
        int c = 0;
        for (int bound = S.loopBound(width); c < bound; c += VL) {
            FloatVector v = FloatVector.fromArray(S, g, go + c);
            DoubleVector.fromArray(D, acc, o + c).add(v.convertShape(VectorOperators.F2D, D, 0)).intoArray(acc, o + c);
            DoubleVector.fromArray(D, acc, o + c + half).add(v.convertShape(VectorOperators.F2D, D, 1)).intoArray(acc, o + c + half);
        }
        for (; c < width; c++) {
            acc[o + c] += g[go + c];
        }
    }

    /**
     * {@code dBias[offset + c] +=} the sum over the batch rows of their partial bias gradients in
     * columns {@code [col, col + width)} ({@link #addBiasRow}), in batch order. Each partial sums
     * its row's steps in the walk's order, whatever rows a thread took, so the result is the same
     * bits for every thread count. Nothing without a bias.
     */
    void biasGradient(int col, int width, int offset) {
        if (bias == null) {
            return;
        }
        float[] db = (float[]) bwd.dBias().storage();
        double[] rows = ws.biasRows;
        int stride = ws.biasRowWidth();
        double[] acc = ws.biasSums;
        java.util.Arrays.fill(acc, 0, width, 0d);
        for (int b = 0; b < batch; b++) {
            int ro = b * stride + col;
            for (int c = 0; c < width; c++) {
                acc[c] += rows[ro + c];
            }
        }
        for (int c = 0; c < width; c++) {
            db[offset + c] += (float) acc[c];
        }
    }

    void storeInitialStateGradients() {
        if (bwd.dInitialH() != null) {
            System.arraycopy(ws.dh, 0, (float[]) bwd.dInitialH().storage(), 0, batch * units);
        }
        if (bwd.dInitialC() != null) {
            System.arraycopy(ws.dc, 0, (float[]) bwd.dInitialC().storage(), 0, batch * units);
        }
    }
}
