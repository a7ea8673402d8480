package io.rnn4j.simd;

import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The lane permutations of the in-register transposes ({@link Packing}) and of the GEMV's lane
 * sums ({@link Gemv}), as constants C2 compiles to single permutes and blends.
 */
final class Lanes {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int VL = Gemm.VL;

    private Lanes() {
    }

    /**
     * The 16 x 16 transpose in four butterfly stages {@code d = 1, 2, 4, 8}: rows {@code i} and
     * {@code i + d} swap their off-diagonal d-blocks. {@code DN<st>} moves lane
     * {@code c - d} to lane c, {@code UP<st>} lane {@code c + d} to c, {@code HI<st>}
     * marks lanes with bit d set: each output is one permute and one blend.
     */
    // Separate static finals, not arrays: C2 only treats a shuffle or mask as a constant (and
    // emits one permute / blend for it) when it is read from a static final field.
    static final VectorShuffle<Float> DN0 = shift(0, -1), DN1 = shift(1, -1), DN2 = shift(2, -1), DN3 = shift(3, -1);
    static final VectorShuffle<Float> UP0 = shift(0, 1), UP1 = shift(1, 1), UP2 = shift(2, 1), UP3 = shift(3, 1);
    static final VectorMask<Float> HI0 = high(0), HI1 = high(1), HI2 = high(2), HI3 = high(3);
    /** Lane {@code c} takes lane {@code c ^ d}: the partner lane in a butterfly reduction stage. */
    static final VectorShuffle<Float> X0 = VectorShuffle.fromOp(S, c -> (c ^ 1) % VL), X1 = VectorShuffle.fromOp(S, c -> (c ^ 2) % VL);
    static final VectorShuffle<Float> X2 = VectorShuffle.fromOp(S, c -> (c ^ 4) % VL), X3 = VectorShuffle.fromOp(S, c -> (c ^ 8) % VL);

    private static VectorShuffle<Float> shift(int st, int sign) {
        int d = 1 << st;
        return VectorShuffle.fromOp(S, c -> c >= VL ? c : sign < 0 ? ((c & d) != 0 ? c - d : c) : ((c & d) == 0 && c + d < VL ? c + d : c));
    }

    private static VectorMask<Float> high(int st) {
        boolean[] bits = new boolean[VL];
        for (int c = 0; c < VL; c++) {
            bits[c] = (c & (1 << st)) != 0;
        }
        return VectorMask.fromArray(S, bits, 0);
    }
}
