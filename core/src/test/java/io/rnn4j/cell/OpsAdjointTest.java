package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.init.Initializers;
import io.rnn4j.layer.Parameter;
import org.junit.jupiter.api.Test;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every primitive's hand-written adjoint against central finite differences in float64: the
 * primitive runs on the float64 backend, the loss is {@code sum(R ⊙ y)}, and the gradient of
 * every input (step values and weights) is compared with {@code (L(v+ε) - L(v-ε)) / 2ε}.
 */
class OpsAdjointTest {
    private static final Float64Backend F64 = new Float64Backend();
    private static final double TOL = 1e-7;

    /** Leaf inputs of the given shapes; {@code lo} keeps |values| >= lo (away from kinks). */
    private static Tensor[] leaves(SplittableRandom rnd, double lo, double scale, int[]... shapes) {
        Tensor[] t = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            double[] v = new double[Tensor.sizeOf(shapes[i])];
            for (int j = 0; j < v.length; j++) {
                double m = lo + (scale - lo) * rnd.nextDouble();
                v[j] = rnd.nextBoolean() ? m : -m;
            }
            t[i] = F64.fromDoubles(v, shapes[i]);
        }
        return t;
    }

    private static double check(String name, Tensor[] in, List<Weight> weights, double lo,
                                BiFunction<Ops, Var[], Var> f) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        Map<Weight, Parameter> binding = new IdentityHashMap<>();
        Tensor[] wv = leaves(rnd, lo, 1.0, weights.stream().map(Weight::shape).toArray(int[][]::new));
        for (int i = 0; i < weights.size(); i++) {
            binding.put(weights.get(i), new Parameter(weights.get(i).name(), wv[i]));
        }
        Ops ops = new Ops(F64, binding);
        Var y = record(ops, in, f);
        Tensor r = leaves(rnd, 0.1, 1.0, new int[] {y.rows(), y.cols()})[0];
        ops.zeroGrads();
        F64.add(ops.grad(y), r, ops.grad(y));
        ops.backward();
        double worst = 0;
        for (int i = 0; i < in.length + weights.size(); i++) {
            boolean isWeight = i >= in.length;
            Tensor target = isWeight ? wv[i - in.length] : in[i];
            double[] analytic = isWeight ? F64.data(binding.get(weights.get(i - in.length)).grad()).clone()
                    : F64.data(ops.grad(varOf(ops, i))).clone();
            double[] v = F64.data(target);
            for (int j = 0; j < v.length; j++) {
                double keep = v[j], eps = 1e-6;
                v[j] = keep + eps;
                double lp = loss(in, binding, f, r);
                v[j] = keep - eps;
                double lm = loss(in, binding, f, r);
                v[j] = keep;
                double num = (lp - lm) / (2 * eps);
                double err = Math.abs(num - analytic[j]) / Math.max(1e-3, Math.max(Math.abs(num), Math.abs(analytic[j])));
                assertTrue(err < TOL, name + ": input " + i + "[" + j + "] analytic " + analytic[j] + " numeric " + num);
                worst = Math.max(worst, err);
            }
        }
        return worst;
    }

    /** Leaves are recorded first, so input i is node i. */
    private static Var varOf(Ops ops, int i) {
        return ops.nodeVar(i);
    }

    private static Var record(Ops ops, Tensor[] in, BiFunction<Ops, Var[], Var> f) {
        ops.begin("adjoint-test");
        Var[] vs = new Var[in.length];
        for (int i = 0; i < in.length; i++) {
            vs[i] = ops.input(in[i]);
        }
        return f.apply(ops, vs);
    }

    private static double loss(Tensor[] in, Map<Weight, Parameter> binding, BiFunction<Ops, Var[], Var> f, Tensor r) {
        Ops ops = new Ops(F64, binding);
        Var y = record(ops, in, f);
        double[] yv = F64.data(y.value()), rv = F64.data(r);
        double s = 0;
        for (int i = 0; i < yv.length; i++) {
            s += yv[i] * rv[i];
        }
        return s;
    }

    private static Weight weight(String name, int... shape) {
        return new Weight(null, name, shape, Initializers.zeros());
    }

    private static int[] s(int... d) {
        return d;
    }

    @Test
    void binaryAndUnaryPrimitives() {
        SplittableRandom rnd = new SplittableRandom(1);
        check("matmul", leaves(rnd, 0, 1, s(3, 4), s(4, 5)), List.of(), 0, (o, v) -> o.matmul(v[0], v[1]));
        check("add", leaves(rnd, 0, 1, s(3, 4), s(3, 4)), List.of(), 0, (o, v) -> o.add(v[0], v[1]));
        check("add-broadcast", leaves(rnd, 0, 1, s(3, 4), s(1, 4)), List.of(), 0, (o, v) -> o.add(v[0], v[1]));
        check("add-broadcast-left", leaves(rnd, 0, 1, s(1, 4), s(3, 4)), List.of(), 0, (o, v) -> o.add(v[0], v[1]));
        check("biasAdd", leaves(rnd, 0, 1, s(3, 4), s(1, 4)), List.of(), 0, (o, v) -> o.biasAdd(v[0], v[1]));
        check("sub", leaves(rnd, 0, 1, s(2, 3), s(2, 3)), List.of(), 0, (o, v) -> o.sub(v[0], v[1]));
        check("multiply", leaves(rnd, 0, 1, s(2, 3), s(2, 3)), List.of(), 0, (o, v) -> o.multiply(v[0], v[1]));
        check("square", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0, (o, v) -> o.multiply(v[0], v[0]));
        check("scale", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0, (o, v) -> o.scale(v[0], -1.7f));
        check("oneMinus", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0, (o, v) -> o.oneMinus(v[0]));
        check("tanh", leaves(rnd, 0, 2, s(2, 3)), List.of(), 0, (o, v) -> o.tanh(v[0]));
        check("sigmoid", leaves(rnd, 0, 3, s(2, 3)), List.of(), 0, (o, v) -> o.sigmoid(v[0]));
        check("linear", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0, (o, v) -> o.linear(v[0]));
        // away from the kinks, where finite differences are valid
        check("hardSigmoid", leaves(rnd, 0.05, 2.5, s(2, 3)), List.of(), 0, (o, v) -> o.hardSigmoid(v[0]));
        check("hardSigmoid-saturated", leaves(rnd, 3.2, 5, s(2, 3)), List.of(), 0, (o, v) -> o.hardSigmoid(v[0]));
        check("relu", leaves(rnd, 0.05, 1, s(2, 3)), List.of(), 0, (o, v) -> o.relu(v[0]));
    }

    @Test
    void structuralPrimitives() {
        SplittableRandom rnd = new SplittableRandom(2);
        check("concat", leaves(rnd, 0, 1, s(2, 3), s(2, 1), s(2, 4)), List.of(), 0, (o, v) -> o.concat(v[0], v[1], v[2]));
        check("concat-same", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0, (o, v) -> o.concat(v[0], v[0]));
        check("columns", leaves(rnd, 0, 1, s(3, 7)), List.of(), 0, (o, v) -> o.columns(v[0], 2, 3));
        check("rows", leaves(rnd, 0, 1, s(4, 3)), List.of(), 0, (o, v) -> o.rows(v[0], 1, 2));
        check("split-recombined", leaves(rnd, 0, 1, s(2, 6)), List.of(), 0, (o, v) -> {
            Var[] p = o.split(v[0], 3);
            return o.add(o.multiply(p[0], p[2]), o.tanh(p[1]));
        });
        check("fan-out", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0,
                (o, v) -> o.multiply(o.tanh(v[0]), o.sigmoid(o.add(v[0], o.scale(v[0], 2f)))));
    }

    @Test
    void weightOperands() {
        SplittableRandom rnd = new SplittableRandom(3);
        Weight k = weight("kernel", 4, 6), b = weight("bias", 6), b2 = weight("bias2", 2, 6);
        check("matmul-weight", leaves(rnd, 0, 1, s(3, 4)), List.of(k, b), 0,
                (o, v) -> o.add(o.matmul(v[0], k), b));
        check("weight-columns-rows", leaves(rnd, 0, 1, s(3, 4)), List.of(k, b2), 0,
                (o, v) -> o.add(o.matmul(v[0], o.columns(k, 3, 3)), o.columns(o.rows(b2, 1, 1), 0, 3)));
        check("weight-used-twice", leaves(rnd, 0, 1, s(3, 4)), List.of(k), 0,
                (o, v) -> o.add(o.matmul(v[0], k), o.matmul(o.tanh(v[0]), k)));
    }

    @Test
    void customOpUsesItsOwnBackward() {
        SplittableRandom rnd = new SplittableRandom(4);
        check("custom", leaves(rnd, 0, 1, s(2, 3)), List.of(), 0,
                (o, v) -> o.custom(new GradientCheckerTest.TanhOp(false), v[0]));
    }

    @Test
    void shapeErrorsNameBothShapes() {
        Ops ops = new Ops(F64, Map.of());
        ops.begin("my_cell");
        Var a = ops.input(F64.zeros(2, 3)), b = ops.input(F64.zeros(4, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.matmul(a, b));
        assertTrue(e.getMessage().contains("my_cell") && e.getMessage().contains("(2, 3)") && e.getMessage().contains("(4, 5)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ops.add(a, b));
        assertThrows(IllegalArgumentException.class, () -> ops.multiply(a, b));
        assertThrows(IllegalArgumentException.class, () -> ops.split(a, 2));
        assertThrows(IllegalArgumentException.class, () -> ops.columns(a, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> ops.matmul(a, weight("w", 3, 3)), "unbound weight");
    }

    @Test
    void recordingReusesBuffersAndHandles() {
        Ops ops = new Ops(F64, Map.of());
        Tensor x = F64.fromDoubles(new double[] {1, 2, 3, 4}, 2, 2);
        ops.begin("c");
        Var y1 = ops.tanh(ops.add(ops.input(x), ops.input(x)));
        Tensor v1 = y1.value();
        ops.begin("c");
        Var y2 = ops.tanh(ops.add(ops.input(x), ops.input(x)));
        assertTrue(y1 == y2 && v1 == y2.value(), "same handles and buffers on a re-recording");
        assertEquals(4, ops.size());
        assertArrayEquals(new float[] {(float) Math.tanh(2), (float) Math.tanh(4), (float) Math.tanh(6), (float) Math.tanh(8)},
                y2.value().toArray(), 1e-7f);
    }
}
