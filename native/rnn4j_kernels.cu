// rnn4j: every CUDA kernel the cuda backend launches.
//
// The same file is compiled twice:
//   * by nvcc to PTX for compute_75 (native/build_ptx.sh), shipped as a resource of rnn4j-cuda;
//   * by g++ with native/harness/cuda_cpu_emu.h (RNN4J_CPU_EMU defined), which maps CUDA's
//     built-ins onto loops, so the tests run this very source on the CPU under ASan/UBSan.
// The Java emulation in cuda-backend (io.rnn4j.cuda.JavaKernels) mirrors each kernel line by line.
//
// Rules that keep both compilations honest:
//   * every kernel is a grid-stride loop over independent elements (any grid size is correct);
//   * no shared memory, no __syncthreads, no warp intrinsics, no atomics: threads never talk;
//   * accurate tanhf/expf (the build never passes --use_fast_math);
//   * nullable pointers are documented per argument; sizes are ints (tensors hold < 2^31 elements),
//     index arithmetic that can exceed 2^31 uses long long.
// Activations are passed as the ordinal of io.rnn4j.backend.Activation.

#ifndef RNN4J_CPU_EMU
#define RNN4J_NULL 0
#else
#define RNN4J_NULL nullptr
#endif

#define RNN4J_LOOP(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

enum { ACT_LINEAR = 0, ACT_TANH = 1, ACT_SIGMOID = 2, ACT_HARD_SIGMOID = 3, ACT_RELU = 4 };

// f(x); NaN stays NaN for every activation (comparisons, not fminf/fmaxf).
__device__ __forceinline__ float act_apply(int f, float x) {
    switch (f) {
        case ACT_TANH: return tanhf(x);
        case ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
        case ACT_HARD_SIGMOID: {
            float v = x / 6.0f + 0.5f;
            return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        }
        case ACT_RELU: return x > 0.0f ? x : (x <= 0.0f ? 0.0f : x);
        default: return x;
    }
}

// f'(x) from the output y = f(x), so forward passes keep only outputs.
__device__ __forceinline__ float act_grad(int f, float y) {
    switch (f) {
        case ACT_TANH: return 1.0f - y * y;
        case ACT_SIGMOID: return y * (1.0f - y);
        case ACT_HARD_SIGMOID: return (y > 0.0f && y < 1.0f) ? (1.0f / 6.0f) : 0.0f;
        case ACT_RELU: return y > 0.0f ? 1.0f : 0.0f;
        default: return 1.0f;
    }
}

// ============================================================== element-wise primitives

extern "C" __global__ void rnn4j_fill(int n, float value, float* out) {
    RNN4J_LOOP(i, n) { out[i] = value; }
}

extern "C" __global__ void rnn4j_add(int n, const float* a, const float* b, float* out) {
    RNN4J_LOOP(i, n) { out[i] = a[i] + b[i]; }
}

extern "C" __global__ void rnn4j_sub(int n, const float* a, const float* b, float* out) {
    RNN4J_LOOP(i, n) { out[i] = a[i] - b[i]; }
}

extern "C" __global__ void rnn4j_mul(int n, const float* a, const float* b, float* out) {
    RNN4J_LOOP(i, n) { out[i] = a[i] * b[i]; }
}

// out = alpha x + beta y; y is not read (and may be null) when beta == 0.
extern "C" __global__ void rnn4j_axpby(int n, float alpha, const float* x, float beta, const float* y, float* out) {
    RNN4J_LOOP(i, n) { out[i] = beta == 0.0f ? alpha * x[i] : alpha * x[i] + beta * y[i]; }
}

extern "C" __global__ void rnn4j_clip(int n, float lo, float hi, const float* x, float* out) {
    RNN4J_LOOP(i, n) {
        float v = x[i];
        out[i] = v < lo ? lo : (v > hi ? hi : v);
    }
}

extern "C" __global__ void rnn4j_activation(int n, int f, const float* x, float* y) {
    RNN4J_LOOP(i, n) { y[i] = act_apply(f, x[i]); }
}

// dx = beta dx + dy f'(from y); dx is not read when beta == 0.
extern "C" __global__ void rnn4j_activation_backward(int n, int f, const float* y, const float* dy, float beta, float* dx) {
    RNN4J_LOOP(i, n) {
        float g = dy[i] * act_grad(f, y[i]);
        dx[i] = beta == 0.0f ? g : beta * dx[i] + g;
    }
}

extern "C" __global__ void rnn4j_add_row_vector(int rows, int cols, const float* m, const float* v, float* out) {
    RNN4J_LOOP(i, (long long)rows * cols) { out[i] = m[i] + v[i % cols]; }
}

extern "C" __global__ void rnn4j_copy2d(int rows, int cols, const float* src, int srcLd, float* dst, int dstLd) {
    RNN4J_LOOP(i, (long long)rows * cols) {
        long long r = i / cols, c = i % cols;
        dst[r * dstLd + c] = src[r * srcLd + c];
    }
}

// ============================================================== reductions (one thread per output, double accumulators)

extern "C" __global__ void rnn4j_sum_rows(int rows, int cols, const float* m, float beta, float* out) {
    RNN4J_LOOP(c, cols) {
        double acc = 0.0;
        for (long long r = 0; r < rows; r++) acc += m[r * cols + c];
        out[c] = (float)(beta == 0.0f ? acc : beta * out[c] + acc);
    }
}

extern "C" __global__ void rnn4j_sum_columns(int rows, int cols, const float* m, float beta, float* out) {
    RNN4J_LOOP(r, rows) {
        double acc = 0.0;
        for (long long c = 0; c < cols; c++) acc += m[r * cols + c];
        out[r] = (float)(beta == 0.0f ? acc : beta * out[r] + acc);
    }
}

// Partial p sums x[p], x[p + parts], ... in double (squared if `squares`) and stores it as a
// float pair hi + lo (lo = 0 when hi is not finite), so the host sum keeps ~48 bits.
extern "C" __global__ void rnn4j_sum_partials(int n, int parts, int squares, const float* x, float* partial) {
    RNN4J_LOOP(p, parts) {
        double s = 0.0;
        for (long long i = p; i < n; i += parts) {
            double v = x[i];
            s += squares ? v * v : v;
        }
        float hi = (float)s;
        float lo = (hi - hi == 0.0f) ? (float)(s - (double)hi) : 0.0f;
        partial[2 * p] = hi;
        partial[2 * p + 1] = lo;
    }
}

// Second stage: one thread adds the `parts` hi/lo pairs in double and stores the total as one
// hi/lo pair in out[0..1], so the host copies back two floats, not 2 * parts.
extern "C" __global__ void rnn4j_sum_pairs(int parts, const float* partial, float* out) {
    RNN4J_LOOP(t, 1) {
        double s = 0.0;
        for (long long p = 0; p < parts; p++) s += (double)partial[2 * p] + (double)partial[2 * p + 1];
        float hi = (float)s;
        float lo = (hi - hi == 0.0f) ? (float)(s - (double)hi) : 0.0f;
        out[0] = hi;
        out[1] = lo;
    }
}

// ============================================================== optimizers (Keras 3 formulas, in place)

// alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t), computed on the host in double.
extern "C" __global__ void rnn4j_adam(int n, float* p, const float* g, float* m, float* v,
                                      float alpha, float beta1, float beta2, float epsilon) {
    RNN4J_LOOP(i, n) {
        float gi = g[i];
        float mi = m[i] + (gi - m[i]) * (1.0f - beta1);
        float vi = v[i] + (gi * gi - v[i]) * (1.0f - beta2);
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] - alpha * mi / (sqrtf(vi) + epsilon);
    }
}

// velocity is null (and not touched) when momentum == 0.
extern "C" __global__ void rnn4j_sgd(int n, float* p, const float* g, float* velocity,
                                     float lr, float momentum, int nesterov) {
    RNN4J_LOOP(i, n) {
        if (momentum == 0.0f) {
            p[i] = p[i] - lr * g[i];
        } else {
            float vi = momentum * velocity[i] - lr * g[i];
            velocity[i] = vi;
            p[i] = p[i] + (nesterov ? momentum * vi - lr * g[i] : vi);
        }
    }
}

// momentumBuffer is null without momentum.
extern "C" __global__ void rnn4j_rmsprop(int n, float* p, const float* g, float* s, float* momentumBuffer,
                                         float lr, float rho, float momentum, float epsilon) {
    RNN4J_LOOP(i, n) {
        float gi = g[i];
        float si = rho * s[i] + (1.0f - rho) * gi * gi;
        s[i] = si;
        float inc = lr * gi / sqrtf(si + epsilon);
        if (momentumBuffer != RNN4J_NULL) {
            float mb = momentum * momentumBuffer[i] + inc;
            momentumBuffer[i] = mb;
            p[i] = p[i] - mb;
        } else {
            p[i] = p[i] - inc;
        }
    }
}

// ============================================================== dropout masks (Keras per-gate masks)

// With recurrent dropout: the G per-gate dropped copies of state h that the next step's GEMMs read,
// hd[k][b*ldhd + j] = h * rdm[b*ldrdm + k*H + j].
__device__ __forceinline__ void drop_state(float h, int G, int H, long long b, long long j,
                                           const float* rdm, int ldrdm, float* hd, int gateStride, int ldhd) {
    for (int k = 0; k < G; k++) hd[(long long)k * gateStride + b * ldhd + j] = h * rdm[b * ldrdm + (long long)k * H + j];
}

// dL/dh of a backward step: dh plus, with recurrent dropout, sum_k dhRec[k][b, j] * rdm[b*ldrdm + k*H + j].
__device__ __forceinline__ float incoming(const float* dh, const float* dhRec, int recGates, const float* rdm, int ldrdm,
                                          long long e, long long b, long long j, int B, int H) {
    float g = dh[e];
    if (dhRec != RNN4J_NULL) {
        for (int k = 0; k < recGates; k++) g += dhRec[(long long)k * B * H + e] * rdm[b * ldrdm + (long long)k * H + j];
    }
    return g;
}

// xd[k, b, t, i] = x[b, t, i] * dm[b, k*I + i]: gate k's dropped input, so the input projection of
// all gates is one strided-batched GEMM.
extern "C" __global__ void rnn4j_input_dropout(int B, int T, int I, int G, const float* x, const float* dm, float* xd) {
    long long per = (long long)B * T * I;
    RNN4J_LOOP(e, per * G) {
        long long k = e / per, r = e % per;
        long long b = r / ((long long)T * I), i = r % I;
        xd[e] = x[r] * dm[b * G * I + k * I + i];
    }
}

// dx[b, t, i] = sum_k dxd[k, b, t, i] * dm[b, k*I + i]   (overwrites dx)
extern "C" __global__ void rnn4j_input_dropout_backward(int B, int T, int I, int G, const float* dxd, const float* dm, float* dx) {
    long long per = (long long)B * T * I;
    RNN4J_LOOP(r, per) {
        long long b = r / ((long long)T * I), i = r % I;
        float acc = 0.0f;
        for (int k = 0; k < G; k++) acc += dxd[k * per + r] * dm[b * G * I + (long long)k * I + i];
        dx[r] = acc;
    }
}

// hd[k][b*ldhd + j] = h[b*ldh + j] * rdm[b*ldrdm + k*H + j] for k < G (the state each gate's GEMM sees).
extern "C" __global__ void rnn4j_state_dropout(int B, int H, int G, const float* h, int ldh,
                                               const float* rdm, int ldrdm, float* hd, int gateStride, int ldhd) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        drop_state(h[b * ldh + j], G, H, b, j, rdm, ldrdm, hd, gateStride, ldhd);
    }
}

// dh[b, j] += sum_k dhd[k][b, j] * rdm[b*ldrdm + k*H + j]   (dhd blocks of B x H, stride B*H)
extern "C" __global__ void rnn4j_state_dropout_backward(int B, int H, int G, const float* dhd,
                                                        const float* rdm, int ldrdm, float* dh) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        dh[e] = incoming(dh, dhd, G, rdm, ldrdm, e, b, j, B, H);
    }
}

// ============================================================== recurrent cells: shared step plumbing
//
// One thread per (b, j), j < H. Per-step operands arrive as pointers to row b = 0 of the step plus
// their row stride (ld): the backend keeps [B, T, width] buffers batch-major, indexed by input
// time, so a step is B rows with ld = T * width and the input projection / weight gradients are
// one GEMM over all B*T rows. Masked rows (mask[b] == 0) carry the states, and output the previous
// output (zeroOut: zeros); their gate gradients are 0 and the state gradients pass through.

struct StepOut {
    float h, out;
};

__device__ __forceinline__ StepOut masked_step(float keep, float hNew, float hPrev, int zeroOut,
                                               const float* outPrev, long long outIdx) {
    StepOut r;
    if (keep != 0.0f) {
        r.h = hNew;
        r.out = hNew;
    } else {
        r.h = hPrev;
        r.out = zeroOut ? 0.0f : (outPrev != RNN4J_NULL ? outPrev[outIdx] : 0.0f);
    }
    return r;
}

// v + bias[i], or v without a bias (bias is null).
__device__ __forceinline__ float biased(float v, const float* bias, long long i) {
    return v + (bias != RNN4J_NULL ? bias[i] : 0.0f);
}

// The end of a forward step: writes the state and the output of masked_step and, with recurrent
// dropout, the G dropped copies of the state that the next step's GEMMs read.
__device__ __forceinline__ void emit_step(float keep, float hNew, float hPrev, int zeroOut,
                                          const float* outPrev, float* out, int ldout, float* hNext, int ldhn,
                                          int G, int H, long long b, long long j,
                                          const float* rdm, int ldrdm, float* hd, int gateStride, int ldhd) {
    StepOut s = masked_step(keep, hNew, hPrev, zeroOut, outPrev, b * ldout + j);
    hNext[b * ldhn + j] = s.h;
    out[b * ldout + j] = s.out;
    if (hd != RNN4J_NULL) drop_state(s.h, G, H, b, j, rdm, ldrdm, hd, gateStride, ldhd);
}

// A masked row's gate gradients: d[q*H + j] = 0 for the G gates.
__device__ __forceinline__ void zero_gates(float* d, int G, int H, long long j) {
    for (int q = 0; q < G; q++) d[(long long)q * H + j] = 0.0f;
}

__device__ __forceinline__ float row_keep(const float* mask, int ldmask, long long b) {
    return mask != RNN4J_NULL ? mask[b * ldmask] : 1.0f;
}

// The output gradient a backward step uses. A masked step (keep == 0) output the previous step's
// output, so it adds its dout to carry and uses none; a kept step takes and clears the carry.
__device__ __forceinline__ float output_grad(float keep, float dout, float* carry, long long e) {
    if (carry == RNN4J_NULL) return dout;
    if (keep == 0.0f) {
        carry[e] += dout;
        return 0.0f;
    }
    float d = dout + carry[e];
    carry[e] = 0.0f;
    return d;
}

// ============================================================== SimpleRNN: h' = a(xW + b + hU)

extern "C" __global__ void rnn4j_simple_forward(
        int B, int H, int act, int zeroOut,
        const float* xp, int ldxp,          // x W at this step
        const float* hp,                    // h U, B x H (ld H)
        const float* bias,                  // H or null
        const float* mask, int ldmask,      // null: every row kept
        const float* hPrev, int ldhp,
        const float* outPrev, int ldout,    // previous step's output or null at step 0
        float* saved, int ldsaved,          // a(.) before masking, for backward; or null
        float* hNext, int ldhn,
        float* out,                         // ld = ldout
        const float* rdm, int ldrdm,        // recurrent dropout mask or null
        float* hd, int gateStride, int ldhd) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float pre = biased(xp[b * ldxp + j], bias, j) + hp[b * H + j];
        float hNew = act_apply(act, pre);
        if (saved != RNN4J_NULL) saved[b * ldsaved + j] = hNew;
        emit_step(row_keep(mask, ldmask, b), hNew, hPrev[b * ldhp + j], zeroOut, outPrev, out, ldout, hNext, ldhn,
                  1, H, b, j, rdm, ldrdm, hd, gateStride, ldhd);
    }
}

// dh (B x H) holds the direct gradient of h_s on entry and of h_{s-1} on exit; the backend then
// adds dG U^T (or, with recurrent dropout, leaves the per-gate products in dhRec for the next step).
extern "C" __global__ void rnn4j_simple_backward(
        int B, int H, int act, int zeroOut,
        const float* saved, int ldsaved,
        const float* mask, int ldmask,
        const float* dOut, int lddo,        // dL/doutput at this step or null
        float* carry,                       // B x H output gradient carried through masked steps, or null (zeroOut)
        float* dh,
        const float* dhRec, int recGates, const float* rdm, int ldrdm,
        float* dG, int lddG) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float g = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
        float keep = row_keep(mask, ldmask, b);
        float dout = output_grad(keep, dOut != RNN4J_NULL ? dOut[b * lddo + j] : 0.0f, carry, e);
        if (keep == 0.0f) {
            dG[b * lddG + j] = 0.0f;
            dh[e] = g;
            continue;
        }
        float dhn = g + dout;
        dG[b * lddG + j] = dhn * act_grad(act, saved[b * ldsaved + j]);
        dh[e] = 0.0f;
    }
}

// ============================================================== LSTM (gates i, f, c, o)

extern "C" __global__ void rnn4j_lstm_forward(
        int B, int H, int act, int ract, int zeroOut,
        const float* xp, int ldxp,          // x W at this step, 4H wide
        const float* hp,                    // h U, B x 4H (ld 4H)
        const float* bias,                  // 4H or null
        const float* mask, int ldmask,
        const float* hPrev, int ldhp, const float* cPrev, int ldcp,
        const float* outPrev, int ldout,
        float* saved, int ldsaved,          // i, f, g, o after activation (4H), or null
        float* hNext, int ldhn, float* cNext, int ldcn,
        float* out,
        const float* rdm, int ldrdm,
        float* hd, int gateStride, int ldhd) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        const float* x = xp + b * ldxp;
        const float* r = hp + b * 4LL * H;
        float zi = biased(x[j], bias, j) + r[j];
        float zf = biased(x[H + j], bias, H + j) + r[H + j];
        float zg = biased(x[2 * H + j], bias, 2 * H + j) + r[2 * H + j];
        float zo = biased(x[3 * H + j], bias, 3 * H + j) + r[3 * H + j];
        float i = act_apply(ract, zi), f = act_apply(ract, zf), g = act_apply(act, zg), o = act_apply(ract, zo);
        float cp = cPrev[b * ldcp + j];
        float c = f * cp + i * g;
        float hNew = o * act_apply(act, c);
        if (saved != RNN4J_NULL) {
            float* s = saved + b * ldsaved;
            s[j] = i;
            s[H + j] = f;
            s[2 * H + j] = g;
            s[3 * H + j] = o;
        }
        float keep = row_keep(mask, ldmask, b);
        emit_step(keep, hNew, hPrev[b * ldhp + j], zeroOut, outPrev, out, ldout, hNext, ldhn,
                  4, H, b, j, rdm, ldrdm, hd, gateStride, ldhd);
        cNext[b * ldcn + j] = keep != 0.0f ? c : cp;
    }
}

// cNew is this step's unmasked cell state (the backend stores c_s for every step); dc (B x H)
// holds dL/dc_s on entry and dL/dc_{s-1} on exit.
extern "C" __global__ void rnn4j_lstm_backward(
        int B, int H, int act, int ract, int zeroOut,
        const float* saved, int ldsaved,
        const float* cPrev, int ldcp, const float* cNew, int ldcn,
        const float* mask, int ldmask,
        const float* dOut, int lddo,
        float* carry,
        float* dh,
        const float* dhRec, int recGates, const float* rdm, int ldrdm,
        float* dc,
        float* dG, int lddG) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float g_h = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
        float keep = row_keep(mask, ldmask, b);
        float dout = output_grad(keep, dOut != RNN4J_NULL ? dOut[b * lddo + j] : 0.0f, carry, e);
        float* d = dG + b * lddG;
        if (keep == 0.0f) {
            zero_gates(d, 4, H, j);
            dh[e] = g_h;
            continue;  // dc passes through unchanged
        }
        float dhn = g_h + dout;
        const float* s = saved + b * ldsaved;
        float i = s[j], f = s[H + j], g = s[2 * H + j], o = s[3 * H + j];
        float tc = act_apply(act, cNew[b * ldcn + j]);
        float dct = dc[e] + dhn * o * act_grad(act, tc);
        d[j] = dct * g * act_grad(ract, i);
        d[H + j] = dct * cPrev[b * ldcp + j] * act_grad(ract, f);
        d[2 * H + j] = dct * i * act_grad(act, g);
        d[3 * H + j] = dhn * tc * act_grad(ract, o);
        dc[e] = dct * f;
        dh[e] = 0.0f;
    }
}

// ============================================================== GRU, reset_after = true (gates z, r, h)
// xp = x W (+ input bias row 0), hp = h U (+ recurrent bias row 1): hh = a(xp_h + r * hp_h).

extern "C" __global__ void rnn4j_gru_forward(
        int B, int H, int act, int ract, int zeroOut,
        const float* xp, int ldxp,
        const float* hp,                    // h U, B x 3H
        const float* bias,                  // 2 x 3H (input row, recurrent row) or null
        const float* mask, int ldmask,
        const float* hPrev, int ldhp,
        const float* outPrev, int ldout,
        float* saved, int ldsaved,          // z, r, hh after activation (3H), or null
        float* savedHn, int ldhn_saved,     // hp_h + b_rh (what r multiplies), or null
        float* hNext, int ldhn,
        float* out,
        const float* rdm, int ldrdm,
        float* hd, int gateStride, int ldhd) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        const float* x = xp + b * ldxp;
        const float* r = hp + b * 3LL * H;
        const float* bi = bias;
        const float* br = bias != RNN4J_NULL ? bias + 3 * H : RNN4J_NULL;
        float xz = biased(x[j], bi, j);
        float xr = biased(x[H + j], bi, H + j);
        float xh = biased(x[2 * H + j], bi, 2 * H + j);
        float hz = biased(r[j], br, j);
        float hr = biased(r[H + j], br, H + j);
        float hn = biased(r[2 * H + j], br, 2 * H + j);
        float z = act_apply(ract, xz + hz);
        float rr = act_apply(ract, xr + hr);
        float hh = act_apply(act, xh + rr * hn);
        float hp0 = hPrev[b * ldhp + j];
        float hNew = z * hp0 + (1.0f - z) * hh;
        if (saved != RNN4J_NULL) {
            float* s = saved + b * ldsaved;
            s[j] = z;
            s[H + j] = rr;
            s[2 * H + j] = hh;
            savedHn[b * ldhn_saved + j] = hn;
        }
        emit_step(row_keep(mask, ldmask, b), hNew, hp0, zeroOut, outPrev, out, ldout, hNext, ldhn,
                  3, H, b, j, rdm, ldrdm, hd, gateStride, ldhd);
    }
}

// Writes the input-side gate gradients dG = [dz, dr, dhh] (for dW, dx and the input bias) and the
// recurrent-side ones dGr = [dz, dr, dhh * r] (for dU, the recurrent bias and dh).
extern "C" __global__ void rnn4j_gru_backward(
        int B, int H, int act, int ract, int zeroOut,
        const float* saved, int ldsaved,
        const float* savedHn, int ldhn_saved,
        const float* hPrev, int ldhp,
        const float* mask, int ldmask,
        const float* dOut, int lddo,
        float* carry,
        float* dh,
        const float* dhRec, int recGates, const float* rdm, int ldrdm,
        float* dG, int lddG,
        float* dGr, int lddGr) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float g_h = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
        float keep = row_keep(mask, ldmask, b);
        float dout = output_grad(keep, dOut != RNN4J_NULL ? dOut[b * lddo + j] : 0.0f, carry, e);
        float* d = dG + b * lddG;
        float* dr_ = dGr + b * lddGr;
        if (keep == 0.0f) {
            zero_gates(d, 3, H, j);
            zero_gates(dr_, 3, H, j);
            dh[e] = g_h;
            continue;
        }
        float dhn = g_h + dout;
        const float* s = saved + b * ldsaved;
        float z = s[j], rr = s[H + j], hh = s[2 * H + j];
        float hp0 = hPrev[b * ldhp + j];
        float dz = dhn * (hp0 - hh) * act_grad(ract, z);
        float dhh = dhn * (1.0f - z) * act_grad(act, hh);
        float dr = dhh * savedHn[b * ldhn_saved + j] * act_grad(ract, rr);
        d[j] = dz; d[H + j] = dr; d[2 * H + j] = dhh;
        dr_[j] = dz; dr_[H + j] = dr; dr_[2 * H + j] = dhh * rr;
        dh[e] = dhn * z;
    }
}

// ============================================================== GRU, reset_after = false
// Two GEMMs per step: hp_zr = h U_zr, then (r h) U_h once r is known.
// Phase 1 computes z, r and rh = r * h (* recurrent dropout mask of gate h), the next GEMM's input.

extern "C" __global__ void rnn4j_gru_rb_forward_zr(
        int B, int H, int ract,
        const float* xp, int ldxp,
        const float* hp,                    // h U_zr, B x 2H
        const float* bias,                  // 3H or null
        const float* hPrev, int ldhp,
        const float* rdm, int ldrdm,        // gate h's block is used for rh; or null
        float* zr, int ldzr,                // z, r after activation (2H of the 3H saved row)
        float* rh, int ldrh) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        const float* x = xp + b * ldxp;
        const float* r = hp + b * 2LL * H;
        float z = act_apply(ract, biased(x[j], bias, j) + r[j]);
        float rr = act_apply(ract, biased(x[H + j], bias, H + j) + r[H + j]);
        zr[b * ldzr + j] = z;
        zr[b * ldzr + H + j] = rr;
        float hv = hPrev[b * ldhp + j];
        if (rdm != RNN4J_NULL) hv *= rdm[b * ldrdm + 2LL * H + j];
        rh[b * ldrh + j] = rr * hv;
    }
}

extern "C" __global__ void rnn4j_gru_rb_forward_h(
        int B, int H, int act, int zeroOut,
        const float* xp, int ldxp,
        const float* hph,                   // (r h) U_h, B x H
        const float* bias,                  // 3H or null
        const float* mask, int ldmask,
        const float* hPrev, int ldhp,
        const float* outPrev, int ldout,
        float* saved, int ldsaved,          // row holding z, r (from phase 1); hh is written at 2H
        float* hNext, int ldhn,
        float* out,
        const float* rdm, int ldrdm,
        float* hd, int gateStride, int ldhd) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float* s = saved + b * ldsaved;
        float z = s[j];
        float hh = act_apply(act, biased(xp[b * ldxp + 2 * H + j], bias, 2 * H + j) + hph[b * H + j]);
        s[2 * H + j] = hh;
        float hp0 = hPrev[b * ldhp + j];
        float hNew = z * hp0 + (1.0f - z) * hh;
        emit_step(row_keep(mask, ldmask, b), hNew, hp0, zeroOut, outPrev, out, ldout, hNext, ldhn,
                  3, H, b, j, rdm, ldrdm, hd, gateStride, ldhd);
    }
}

// Phase 1 of backward: dz, dhh and the direct dh (dhn * z); leaves dr for phase 2, after the
// backend computes drh = dhh U_h^T.
extern "C" __global__ void rnn4j_gru_rb_backward_zh(
        int B, int H, int act, int ract, int zeroOut,
        const float* saved, int ldsaved,
        const float* hPrev, int ldhp,
        const float* mask, int ldmask,
        const float* dOut, int lddo,
        float* carry,
        float* dh,
        const float* dhRec, int recGates, const float* rdm, int ldrdm,
        float* dG, int lddG) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float g_h = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
        float keep = row_keep(mask, ldmask, b);
        float dout = output_grad(keep, dOut != RNN4J_NULL ? dOut[b * lddo + j] : 0.0f, carry, e);
        float* d = dG + b * lddG;
        if (keep == 0.0f) {
            zero_gates(d, 3, H, j);
            dh[e] = g_h;
            continue;
        }
        float dhn = g_h + dout;
        const float* s = saved + b * ldsaved;
        float z = s[j], hh = s[2 * H + j];
        float hp0 = hPrev[b * ldhp + j];
        d[j] = dhn * (hp0 - hh) * act_grad(ract, z);
        d[H + j] = 0.0f;
        d[2 * H + j] = dhn * (1.0f - z) * act_grad(act, hh);
        dh[e] = dhn * z;
    }
}

// Phase 2: with drh = d(r h) (B x H): dr = drh * h(*rdm_h), dh += drh * r (*rdm_h).
extern "C" __global__ void rnn4j_gru_rb_backward_r(
        int B, int H, int ract,
        const float* saved, int ldsaved,
        const float* hPrev, int ldhp,
        const float* mask, int ldmask,
        const float* drh,
        const float* rdm, int ldrdm,
        float* dh,
        float* dG, int lddG) {
    RNN4J_LOOP(e, (long long)B * H) {
        long long b = e / H, j = e % H;
        float keep = row_keep(mask, ldmask, b);
        if (keep == 0.0f) continue;
        float rr = saved[b * ldsaved + H + j];
        float m = rdm != RNN4J_NULL ? rdm[b * ldrdm + 2LL * H + j] : 1.0f;
        float g = drh[e];
        dG[b * lddG + H + j] = g * hPrev[b * ldhp + j] * m * act_grad(ract, rr);
        dh[e] += g * rr * m;
    }
}
