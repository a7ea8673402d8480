package io.rnn4j.cuda;

/**
 * The math of every kernel of {@code native/rnn4j_kernels.cu}, in Java, line for line in the
 * same order of operations (float arithmetic, double accumulators where the source has them), so
 * that {@link EmulatedDevice} runs the backend's real launch plan. The tests hold this class and
 * the g++-compiled {@code .cu} to the same results.
 */
public final class JavaKernels implements KernelRunner {

    /** A {@code float*}: an array and a base index. */
    private record P(float[] a, int base) {
        float g(long i) {
            return a[Math.toIntExact(base + i)];
        }

        void s(long i, float v) {
            a[Math.toIntExact(base + i)] = v;
        }
    }

    private static P p(Object o) {
        if (o == null) {
            return null;
        }
        DevicePtr d = (DevicePtr) o;
        return new P(EmulatedDevice.data(d), (int) d.offset());
    }

    private static int i(Object o) {
        return (Integer) o;
    }

    private static float f(Object o) {
        return (Float) o;
    }

    static float actApply(int f, float x) {
        return switch (f) {
            case 1 -> (float) Math.tanh(x);
            case 2 -> 1.0f / (1.0f + (float) Math.exp(-x));
            case 3 -> {
                float v = x / 6.0f + 0.5f;
                yield v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
            }
            case 4 -> x > 0.0f ? x : (x <= 0.0f ? 0.0f : x);
            default -> x;
        };
    }

    static float actGrad(int f, float y) {
        return switch (f) {
            case 1 -> 1.0f - y * y;
            case 2 -> y * (1.0f - y);
            case 3 -> (y > 0.0f && y < 1.0f) ? (1.0f / 6.0f) : 0.0f;
            case 4 -> y > 0.0f ? 1.0f : 0.0f;
            default -> 1.0f;
        };
    }

    @Override
    public void run(Kernel k, long n, Object[] a) {
        switch (k) {
            case FILL -> { P out = p(a[2]); float v = f(a[1]); for (long e = 0; e < i(a[0]); e++) out.s(e, v); }
            case ADD -> { P x = p(a[1]), y = p(a[2]), o = p(a[3]); for (long e = 0; e < i(a[0]); e++) o.s(e, x.g(e) + y.g(e)); }
            case SUB -> { P x = p(a[1]), y = p(a[2]), o = p(a[3]); for (long e = 0; e < i(a[0]); e++) o.s(e, x.g(e) - y.g(e)); }
            case MUL -> { P x = p(a[1]), y = p(a[2]), o = p(a[3]); for (long e = 0; e < i(a[0]); e++) o.s(e, x.g(e) * y.g(e)); }
            case AXPBY -> {
                float alpha = f(a[1]), beta = f(a[3]);
                P x = p(a[2]), y = p(a[4]), o = p(a[5]);
                for (long e = 0; e < i(a[0]); e++) o.s(e, beta == 0.0f ? alpha * x.g(e) : alpha * x.g(e) + beta * y.g(e));
            }
            case CLIP -> {
                float lo = f(a[1]), hi = f(a[2]);
                P x = p(a[3]), o = p(a[4]);
                for (long e = 0; e < i(a[0]); e++) { float v = x.g(e); o.s(e, v < lo ? lo : (v > hi ? hi : v)); }
            }
            case ACTIVATION -> { int fn = i(a[1]); P x = p(a[2]), y = p(a[3]); for (long e = 0; e < i(a[0]); e++) y.s(e, actApply(fn, x.g(e))); }
            case ACTIVATION_BACKWARD -> {
                int fn = i(a[1]); float beta = f(a[4]);
                P y = p(a[2]), dy = p(a[3]), dx = p(a[5]);
                for (long e = 0; e < i(a[0]); e++) {
                    float g = dy.g(e) * actGrad(fn, y.g(e));
                    dx.s(e, beta == 0.0f ? g : beta * dx.g(e) + g);
                }
            }
            case ADD_ROW_VECTOR -> {
                int rows = i(a[0]), cols = i(a[1]);
                P m = p(a[2]), v = p(a[3]), o = p(a[4]);
                for (long e = 0; e < (long) rows * cols; e++) o.s(e, m.g(e) + v.g(e % cols));
            }
            case COPY2D -> {
                int rows = i(a[0]), cols = i(a[1]), sld = i(a[3]), dld = i(a[5]);
                P s = p(a[2]), d = p(a[4]);
                for (long e = 0; e < (long) rows * cols; e++) { long r = e / cols, c = e % cols; d.s(r * dld + c, s.g(r * sld + c)); }
            }
            case SUM_ROWS -> {
                int rows = i(a[0]), cols = i(a[1]); float beta = f(a[3]);
                P m = p(a[2]), o = p(a[4]);
                for (long c = 0; c < cols; c++) {
                    double acc = 0.0;
                    for (long r = 0; r < rows; r++) acc += m.g(r * cols + c);
                    o.s(c, (float) (beta == 0.0f ? acc : beta * o.g(c) + acc));
                }
            }
            case SUM_COLUMNS -> {
                int rows = i(a[0]), cols = i(a[1]); float beta = f(a[3]);
                P m = p(a[2]), o = p(a[4]);
                for (long r = 0; r < rows; r++) {
                    double acc = 0.0;
                    for (long c = 0; c < cols; c++) acc += m.g(r * cols + c);
                    o.s(r, (float) (beta == 0.0f ? acc : beta * o.g(r) + acc));
                }
            }
            case SUM_PARTIALS -> {
                int cnt = i(a[0]), parts = i(a[1]), squares = i(a[2]);
                P x = p(a[3]), out = p(a[4]);
                for (long q = 0; q < parts; q++) {
                    double s = 0.0;
                    for (long e = q; e < cnt; e += parts) { double v = x.g(e); s += squares != 0 ? v * v : v; }
                    float hi = (float) s;
                    float lo = (hi - hi == 0.0f) ? (float) (s - (double) hi) : 0.0f;
                    out.s(2 * q, hi);
                    out.s(2 * q + 1, lo);
                }
            }
            case SUM_PAIRS -> {
                int parts = i(a[0]);
                P partial = p(a[1]), out = p(a[2]);
                double s = 0.0;
                for (long q = 0; q < parts; q++) s += (double) partial.g(2 * q) + (double) partial.g(2 * q + 1);
                float hi = (float) s;
                float lo = (hi - hi == 0.0f) ? (float) (s - (double) hi) : 0.0f;
                out.s(0, hi);
                out.s(1, lo);
            }
            case ADAM -> {
                P pp = p(a[1]), g = p(a[2]), m = p(a[3]), v = p(a[4]);
                float alpha = f(a[5]), b1 = f(a[6]), b2 = f(a[7]), eps = f(a[8]);
                for (long e = 0; e < i(a[0]); e++) {
                    float gi = g.g(e);
                    float mi = m.g(e) + (gi - m.g(e)) * (1.0f - b1);
                    float vi = v.g(e) + (gi * gi - v.g(e)) * (1.0f - b2);
                    m.s(e, mi);
                    v.s(e, vi);
                    pp.s(e, pp.g(e) - alpha * mi / ((float) Math.sqrt(vi) + eps));
                }
            }
            case SGD -> {
                P pp = p(a[1]), g = p(a[2]), vel = p(a[3]);
                float lr = f(a[4]), mom = f(a[5]); boolean nesterov = i(a[6]) != 0;
                for (long e = 0; e < i(a[0]); e++) {
                    if (mom == 0.0f) {
                        pp.s(e, pp.g(e) - lr * g.g(e));
                    } else {
                        float vi = mom * vel.g(e) - lr * g.g(e);
                        vel.s(e, vi);
                        pp.s(e, pp.g(e) + (nesterov ? mom * vi - lr * g.g(e) : vi));
                    }
                }
            }
            case RMSPROP -> {
                P pp = p(a[1]), g = p(a[2]), s = p(a[3]), mb = p(a[4]);
                float lr = f(a[5]), rho = f(a[6]), mom = f(a[7]), eps = f(a[8]);
                for (long e = 0; e < i(a[0]); e++) {
                    float gi = g.g(e);
                    float si = rho * s.g(e) + (1.0f - rho) * gi * gi;
                    s.s(e, si);
                    float inc = lr * gi / (float) Math.sqrt(si + eps);
                    if (mb != null) {
                        float m = mom * mb.g(e) + inc;
                        mb.s(e, m);
                        pp.s(e, pp.g(e) - m);
                    } else {
                        pp.s(e, pp.g(e) - inc);
                    }
                }
            }
            case INPUT_DROPOUT -> {
                int B = i(a[0]), T = i(a[1]), I = i(a[2]), G = i(a[3]);
                P x = p(a[4]), dm = p(a[5]), xd = p(a[6]);
                long per = (long) B * T * I;
                for (long e = 0; e < per * G; e++) {
                    long kk = e / per, r = e % per, b = r / ((long) T * I), ii = r % I;
                    xd.s(e, x.g(r) * dm.g(b * G * I + kk * I + ii));
                }
            }
            case INPUT_DROPOUT_BACKWARD -> {
                int B = i(a[0]), T = i(a[1]), I = i(a[2]), G = i(a[3]);
                P dxd = p(a[4]), dm = p(a[5]), dx = p(a[6]);
                long per = (long) B * T * I;
                for (long r = 0; r < per; r++) {
                    long b = r / ((long) T * I), ii = r % I;
                    float acc = 0.0f;
                    for (int kk = 0; kk < G; kk++) acc += dxd.g(kk * per + r) * dm.g(b * G * I + (long) kk * I + ii);
                    dx.s(r, acc);
                }
            }
            case STATE_DROPOUT -> {
                int B = i(a[0]), H = i(a[1]), G = i(a[2]), ldh = i(a[4]), ldr = i(a[6]), gs = i(a[8]), ldhd = i(a[9]);
                P h = p(a[3]), rdm = p(a[5]), hd = p(a[7]);
                for (long e = 0; e < (long) B * H; e++) {
                    long b = e / H, j = e % H;
                    dropState(h.g(b * ldh + j), G, H, b, j, rdm, ldr, hd, gs, ldhd);
                }
            }
            case STATE_DROPOUT_BACKWARD -> {
                int B = i(a[0]), H = i(a[1]), G = i(a[2]), ldr = i(a[5]);
                P dhd = p(a[3]), rdm = p(a[4]), dh = p(a[6]);
                for (long e = 0; e < (long) B * H; e++) {
                    long b = e / H, j = e % H;
                    dh.s(e, incoming(dh, dhd, G, rdm, ldr, e, b, j, B, H));
                }
            }
            case SIMPLE_FORWARD -> simpleForward(a);
            case SIMPLE_BACKWARD -> simpleBackward(a);
            case LSTM_FORWARD -> lstmForward(a);
            case LSTM_BACKWARD -> lstmBackward(a);
            case GRU_FORWARD -> gruForward(a);
            case GRU_BACKWARD -> gruBackward(a);
            case GRU_RB_FORWARD_ZR -> gruRbForwardZr(a);
            case GRU_RB_FORWARD_H -> gruRbForwardH(a);
            case GRU_RB_BACKWARD_ZH -> gruRbBackwardZh(a);
            case GRU_RB_BACKWARD_R -> gruRbBackwardR(a);
        }
    }

    /** masked_step of the .cu: {h, out}. */
    private static float[] maskedStep(float keep, float hNew, float hPrev, int zeroOut, P outPrev, long outIdx) {
        if (keep != 0.0f) {
            return new float[] {hNew, hNew};
        }
        return new float[] {hPrev, zeroOut != 0 ? 0.0f : (outPrev != null ? outPrev.g(outIdx) : 0.0f)};
    }

    /** biased of the .cu: v + bias[i], or v when bias is null. */
    private static float biased(float v, P bias, long i) {
        return v + (bias != null ? bias.g(i) : 0.0f);
    }

    /** emit_step of the .cu: the state and output of maskedStep and the G dropped copies of the state. */
    private static void emitStep(float keep, float hNew, float hPrev, int zeroOut, P outPrev, P out, int ldout, P hNext, int ldhn,
                                 int G, int H, long b, long j, P rdm, int ldrdm, P hd, int gs, int ldhd) {
        float[] st = maskedStep(keep, hNew, hPrev, zeroOut, outPrev, b * ldout + j);
        hNext.s(b * ldhn + j, st[0]);
        out.s(b * ldout + j, st[1]);
        if (hd != null) dropState(st[0], G, H, b, j, rdm, ldrdm, hd, gs, ldhd);
    }

    /** zero_gates of the .cu: a masked row's G gate gradients, at d + q*H + j. */
    private static void zeroGates(P dG, long d, int G, int H, long j) {
        for (int q = 0; q < G; q++) dG.s(d + (long) q * H + j, 0.0f);
    }

    private static float keep(P mask, int ldmask, long b) {
        return mask != null ? mask.g(b * ldmask) : 1.0f;
    }

    /** incoming of the .cu: dh plus, with recurrent dropout, the per-gate products of dhRec and rdm. */
    private static float incoming(P dh, P dhRec, int recGates, P rdm, int ldrdm, long e, long b, long j, int B, int H) {
        float g = dh.g(e);
        if (dhRec != null) {
            for (int k = 0; k < recGates; k++) g += dhRec.g((long) k * B * H + e) * rdm.g(b * ldrdm + (long) k * H + j);
        }
        return g;
    }

    /** drop_state of the .cu: the G per-gate dropped copies of state h the next step's GEMMs read. */
    private static void dropState(float h, int G, int H, long b, long j, P rdm, int ldrdm, P hd, int gs, int ldhd) {
        for (int k = 0; k < G; k++) hd.s((long) k * gs + b * ldhd + j, h * rdm.g(b * ldrdm + (long) k * H + j));
    }

    /** output_grad of the .cu: a masked step adds its dout to the carry and uses none; a kept step takes and clears it. */
    private static float outputGrad(float keep, float dout, P carry, long e) {
        if (carry == null) {
            return dout;
        }
        if (keep == 0.0f) {
            carry.s(e, carry.g(e) + dout);
            return 0.0f;
        }
        float d = dout + carry.g(e);
        carry.s(e, 0.0f);
        return d;
    }

    // ---------------------------------------------------------------- SimpleRNN

    private static void simpleForward(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), zeroOut = i(a[3]);
        P xp = p(a[4]); int ldxp = i(a[5]);
        P hp = p(a[6]), bias = p(a[7]);
        P mask = p(a[8]); int ldmask = i(a[9]);
        P hPrev = p(a[10]); int ldhp = i(a[11]);
        P outPrev = p(a[12]); int ldout = i(a[13]);
        P saved = p(a[14]); int ldsaved = i(a[15]);
        P hNext = p(a[16]); int ldhn = i(a[17]);
        P out = p(a[18]);
        P rdm = p(a[19]); int ldrdm = i(a[20]);
        P hd = p(a[21]); int gs = i(a[22]), ldhd = i(a[23]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            float pre = biased(xp.g(b * ldxp + j), bias, j) + hp.g(b * H + j);
            float hNew = actApply(act, pre);
            if (saved != null) saved.s(b * ldsaved + j, hNew);
            emitStep(keep(mask, ldmask, b), hNew, hPrev.g(b * ldhp + j), zeroOut, outPrev, out, ldout, hNext, ldhn,
                    1, H, b, j, rdm, ldrdm, hd, gs, ldhd);
        }
    }

    private static void simpleBackward(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]);
        P saved = p(a[4]); int ldsaved = i(a[5]);
        P mask = p(a[6]); int ldmask = i(a[7]);
        P dOut = p(a[8]); int lddo = i(a[9]);
        P carry = p(a[10]), dh = p(a[11]), dhRec = p(a[12]); int recGates = i(a[13]);
        P rdm = p(a[14]); int ldrdm = i(a[15]);
        P dG = p(a[16]); int lddG = i(a[17]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            float g = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
            float keep = keep(mask, ldmask, b);
            float dout = outputGrad(keep, dOut != null ? dOut.g(b * lddo + j) : 0.0f, carry, e);
            if (keep == 0.0f) {
                dG.s(b * lddG + j, 0.0f);
                dh.s(e, g);
                continue;
            }
            float dhn = g + dout;
            dG.s(b * lddG + j, dhn * actGrad(act, saved.g(b * ldsaved + j)));
            dh.s(e, 0.0f);
        }
    }

    // ---------------------------------------------------------------- LSTM

    private static void lstmForward(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), ract = i(a[3]), zeroOut = i(a[4]);
        P xp = p(a[5]); int ldxp = i(a[6]);
        P hp = p(a[7]), bias = p(a[8]);
        P mask = p(a[9]); int ldmask = i(a[10]);
        P hPrev = p(a[11]); int ldhp = i(a[12]);
        P cPrev = p(a[13]); int ldcp = i(a[14]);
        P outPrev = p(a[15]); int ldout = i(a[16]);
        P saved = p(a[17]); int ldsaved = i(a[18]);
        P hNext = p(a[19]); int ldhn = i(a[20]);
        P cNext = p(a[21]); int ldcn = i(a[22]);
        P out = p(a[23]);
        P rdm = p(a[24]); int ldrdm = i(a[25]);
        P hd = p(a[26]); int gs = i(a[27]), ldhd = i(a[28]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            long x = b * ldxp, r = b * 4L * H;
            float zi = biased(xp.g(x + j), bias, j) + hp.g(r + j);
            float zf = biased(xp.g(x + H + j), bias, H + j) + hp.g(r + H + j);
            float zg = biased(xp.g(x + 2 * H + j), bias, 2 * H + j) + hp.g(r + 2 * H + j);
            float zo = biased(xp.g(x + 3 * H + j), bias, 3 * H + j) + hp.g(r + 3 * H + j);
            float ii = actApply(ract, zi), f = actApply(ract, zf), g = actApply(act, zg), o = actApply(ract, zo);
            float cp = cPrev.g(b * ldcp + j);
            float c = f * cp + ii * g;
            float hNew = o * actApply(act, c);
            if (saved != null) {
                long s = b * ldsaved;
                saved.s(s + j, ii);
                saved.s(s + H + j, f);
                saved.s(s + 2 * H + j, g);
                saved.s(s + 3 * H + j, o);
            }
            float keep = keep(mask, ldmask, b);
            emitStep(keep, hNew, hPrev.g(b * ldhp + j), zeroOut, outPrev, out, ldout, hNext, ldhn,
                    4, H, b, j, rdm, ldrdm, hd, gs, ldhd);
            cNext.s(b * ldcn + j, keep != 0.0f ? c : cp);
        }
    }

    private static void lstmBackward(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), ract = i(a[3]);
        P saved = p(a[5]); int ldsaved = i(a[6]);
        P cPrev = p(a[7]); int ldcp = i(a[8]);
        P cNew = p(a[9]); int ldcn = i(a[10]);
        P mask = p(a[11]); int ldmask = i(a[12]);
        P dOut = p(a[13]); int lddo = i(a[14]);
        P carry = p(a[15]), dh = p(a[16]), dhRec = p(a[17]); int recGates = i(a[18]);
        P rdm = p(a[19]); int ldrdm = i(a[20]);
        P dc = p(a[21]);
        P dG = p(a[22]); int lddG = i(a[23]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            float gh = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
            float keep = keep(mask, ldmask, b);
            float dout = outputGrad(keep, dOut != null ? dOut.g(b * lddo + j) : 0.0f, carry, e);
            long d = b * lddG;
            if (keep == 0.0f) {
                zeroGates(dG, d, 4, H, j);
                dh.s(e, gh);
                continue;
            }
            float dhn = gh + dout;
            long s = b * ldsaved;
            float ii = saved.g(s + j), f = saved.g(s + H + j), g = saved.g(s + 2 * H + j), o = saved.g(s + 3 * H + j);
            float tc = actApply(act, cNew.g(b * ldcn + j));
            float dct = dc.g(e) + dhn * o * actGrad(act, tc);
            dG.s(d + j, dct * g * actGrad(ract, ii));
            dG.s(d + H + j, dct * cPrev.g(b * ldcp + j) * actGrad(ract, f));
            dG.s(d + 2 * H + j, dct * ii * actGrad(act, g));
            dG.s(d + 3 * H + j, dhn * tc * actGrad(ract, o));
            dc.s(e, dct * f);
            dh.s(e, 0.0f);
        }
    }

    // ---------------------------------------------------------------- GRU, reset_after = true

    private static void gruForward(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), ract = i(a[3]), zeroOut = i(a[4]);
        P xp = p(a[5]); int ldxp = i(a[6]);
        P hp = p(a[7]), bias = p(a[8]);
        P mask = p(a[9]); int ldmask = i(a[10]);
        P hPrev = p(a[11]); int ldhp = i(a[12]);
        P outPrev = p(a[13]); int ldout = i(a[14]);
        P saved = p(a[15]); int ldsaved = i(a[16]);
        P savedHn = p(a[17]); int ldhns = i(a[18]);
        P hNext = p(a[19]); int ldhn = i(a[20]);
        P out = p(a[21]);
        P rdm = p(a[22]); int ldrdm = i(a[23]);
        P hd = p(a[24]); int gs = i(a[25]), ldhd = i(a[26]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            long x = b * ldxp, r = b * 3L * H;
            float xz = biased(xp.g(x + j), bias, j);
            float xr = biased(xp.g(x + H + j), bias, H + j);
            float xh = biased(xp.g(x + 2 * H + j), bias, 2 * H + j);
            float hz = biased(hp.g(r + j), bias, 3 * H + j);
            float hr = biased(hp.g(r + H + j), bias, 3 * H + H + j);
            float hn = biased(hp.g(r + 2 * H + j), bias, 3 * H + 2 * H + j);
            float z = actApply(ract, xz + hz);
            float rr = actApply(ract, xr + hr);
            float hh = actApply(act, xh + rr * hn);
            float hp0 = hPrev.g(b * ldhp + j);
            float hNew = z * hp0 + (1.0f - z) * hh;
            if (saved != null) {
                long s = b * ldsaved;
                saved.s(s + j, z);
                saved.s(s + H + j, rr);
                saved.s(s + 2 * H + j, hh);
                savedHn.s(b * ldhns + j, hn);
            }
            emitStep(keep(mask, ldmask, b), hNew, hp0, zeroOut, outPrev, out, ldout, hNext, ldhn,
                    3, H, b, j, rdm, ldrdm, hd, gs, ldhd);
        }
    }

    private static void gruBackward(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), ract = i(a[3]);
        P saved = p(a[5]); int ldsaved = i(a[6]);
        P savedHn = p(a[7]); int ldhns = i(a[8]);
        P hPrev = p(a[9]); int ldhp = i(a[10]);
        P mask = p(a[11]); int ldmask = i(a[12]);
        P dOut = p(a[13]); int lddo = i(a[14]);
        P carry = p(a[15]), dh = p(a[16]), dhRec = p(a[17]); int recGates = i(a[18]);
        P rdm = p(a[19]); int ldrdm = i(a[20]);
        P dG = p(a[21]); int lddG = i(a[22]);
        P dGr = p(a[23]); int lddGr = i(a[24]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            float gh = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
            float keep = keep(mask, ldmask, b);
            float dout = outputGrad(keep, dOut != null ? dOut.g(b * lddo + j) : 0.0f, carry, e);
            long d = b * lddG, dr_ = b * lddGr;
            if (keep == 0.0f) {
                zeroGates(dG, d, 3, H, j);
                zeroGates(dGr, dr_, 3, H, j);
                dh.s(e, gh);
                continue;
            }
            float dhn = gh + dout;
            long s = b * ldsaved;
            float z = saved.g(s + j), rr = saved.g(s + H + j), hh = saved.g(s + 2 * H + j);
            float hp0 = hPrev.g(b * ldhp + j);
            float dz = dhn * (hp0 - hh) * actGrad(ract, z);
            float dhh = dhn * (1.0f - z) * actGrad(act, hh);
            float dr = dhh * savedHn.g(b * ldhns + j) * actGrad(ract, rr);
            dG.s(d + j, dz); dG.s(d + H + j, dr); dG.s(d + 2 * H + j, dhh);
            dGr.s(dr_ + j, dz); dGr.s(dr_ + H + j, dr); dGr.s(dr_ + 2 * H + j, dhh * rr);
            dh.s(e, dhn * z);
        }
    }

    // ---------------------------------------------------------------- GRU, reset_after = false

    private static void gruRbForwardZr(Object[] a) {
        int B = i(a[0]), H = i(a[1]), ract = i(a[2]);
        P xp = p(a[3]); int ldxp = i(a[4]);
        P hp = p(a[5]), bias = p(a[6]);
        P hPrev = p(a[7]); int ldhp = i(a[8]);
        P rdm = p(a[9]); int ldrdm = i(a[10]);
        P zr = p(a[11]); int ldzr = i(a[12]);
        P rh = p(a[13]); int ldrh = i(a[14]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            long x = b * ldxp, r = b * 2L * H;
            float z = actApply(ract, biased(xp.g(x + j), bias, j) + hp.g(r + j));
            float rr = actApply(ract, biased(xp.g(x + H + j), bias, H + j) + hp.g(r + H + j));
            zr.s(b * ldzr + j, z);
            zr.s(b * ldzr + H + j, rr);
            float hv = hPrev.g(b * ldhp + j);
            if (rdm != null) hv *= rdm.g(b * ldrdm + 2L * H + j);
            rh.s(b * ldrh + j, rr * hv);
        }
    }

    private static void gruRbForwardH(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), zeroOut = i(a[3]);
        P xp = p(a[4]); int ldxp = i(a[5]);
        P hph = p(a[6]), bias = p(a[7]);
        P mask = p(a[8]); int ldmask = i(a[9]);
        P hPrev = p(a[10]); int ldhp = i(a[11]);
        P outPrev = p(a[12]); int ldout = i(a[13]);
        P saved = p(a[14]); int ldsaved = i(a[15]);
        P hNext = p(a[16]); int ldhn = i(a[17]);
        P out = p(a[18]);
        P rdm = p(a[19]); int ldrdm = i(a[20]);
        P hd = p(a[21]); int gs = i(a[22]), ldhd = i(a[23]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            long s = b * ldsaved;
            float z = saved.g(s + j);
            float hh = actApply(act, biased(xp.g(b * ldxp + 2 * H + j), bias, 2 * H + j) + hph.g(b * H + j));
            saved.s(s + 2 * H + j, hh);
            float hp0 = hPrev.g(b * ldhp + j);
            float hNew = z * hp0 + (1.0f - z) * hh;
            emitStep(keep(mask, ldmask, b), hNew, hp0, zeroOut, outPrev, out, ldout, hNext, ldhn,
                    3, H, b, j, rdm, ldrdm, hd, gs, ldhd);
        }
    }

    private static void gruRbBackwardZh(Object[] a) {
        int B = i(a[0]), H = i(a[1]), act = i(a[2]), ract = i(a[3]);
        P saved = p(a[5]); int ldsaved = i(a[6]);
        P hPrev = p(a[7]); int ldhp = i(a[8]);
        P mask = p(a[9]); int ldmask = i(a[10]);
        P dOut = p(a[11]); int lddo = i(a[12]);
        P carry = p(a[13]), dh = p(a[14]), dhRec = p(a[15]); int recGates = i(a[16]);
        P rdm = p(a[17]); int ldrdm = i(a[18]);
        P dG = p(a[19]); int lddG = i(a[20]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            float gh = incoming(dh, dhRec, recGates, rdm, ldrdm, e, b, j, B, H);
            float keep = keep(mask, ldmask, b);
            float dout = outputGrad(keep, dOut != null ? dOut.g(b * lddo + j) : 0.0f, carry, e);
            long d = b * lddG;
            if (keep == 0.0f) {
                zeroGates(dG, d, 3, H, j);
                dh.s(e, gh);
                continue;
            }
            float dhn = gh + dout;
            long s = b * ldsaved;
            float z = saved.g(s + j), hh = saved.g(s + 2 * H + j);
            float hp0 = hPrev.g(b * ldhp + j);
            dG.s(d + j, dhn * (hp0 - hh) * actGrad(ract, z));
            dG.s(d + H + j, 0.0f);
            dG.s(d + 2 * H + j, dhn * (1.0f - z) * actGrad(act, hh));
            dh.s(e, dhn * z);
        }
    }

    private static void gruRbBackwardR(Object[] a) {
        int B = i(a[0]), H = i(a[1]), ract = i(a[2]);
        P saved = p(a[3]); int ldsaved = i(a[4]);
        P hPrev = p(a[5]); int ldhp = i(a[6]);
        P mask = p(a[7]); int ldmask = i(a[8]);
        P drh = p(a[9]);
        P rdm = p(a[10]); int ldrdm = i(a[11]);
        P dh = p(a[12]);
        P dG = p(a[13]); int lddG = i(a[14]);
        for (long e = 0; e < (long) B * H; e++) {
            long b = e / H, j = e % H;
            if (keep(mask, ldmask, b) == 0.0f) continue;
            float rr = saved.g(b * ldsaved + H + j);
            float m = rdm != null ? rdm.g(b * ldrdm + 2L * H + j) : 1.0f;
            float g = drh.g(e);
            dG.s(b * lddG + H + j, g * hPrev.g(b * ldhp + j) * m * actGrad(ract, rr));
            dh.s(e, dh.g(e) + g * rr * m);
        }
    }
}
