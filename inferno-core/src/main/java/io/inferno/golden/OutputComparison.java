package io.inferno.golden;

import io.inferno.codec.HalfFloats;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Optional;

/** Compares one output with its golden value: dtype and shape exactly, elements within a {@link Tolerance}. */
final class OutputComparison {
    private OutputComparison() {}

    /** What is wrong with {@code actual}, or empty when it matches {@code expected}. */
    static Optional<String> compare(String name, Tensor expected, Tensor actual, Tolerance tolerance) {
        String output = "output '" + name + "'";
        if (actual.dtype() != expected.dtype()) {
            return Optional.of(output + " has dtype " + actual.dtype() + "; expected " + expected.dtype());
        }
        if (!actual.shape().equals(expected.shape())) {
            return Optional.of(output + " has shape " + actual.shape() + "; expected " + expected.shape());
        }
        return expected.dtype().isFloatingPoint()
                ? compareFloats(output, expected, actual, tolerance)
                : compareExactly(output, expected, actual);
    }

    private static Optional<String> compareFloats(String output, Tensor expected, Tensor actual, Tolerance tolerance) {
        ByteBuffer e = expected.data();
        ByteBuffer a = actual.data();
        DType dtype = expected.dtype();
        int n = (int) expected.shape().elementCount();
        int differing = 0;
        int worst = -1;
        double worstExcess = -1; // how many times the allowed difference the worst element is off
        for (int i = 0; i < n; i++) {
            double want = floatAt(e, dtype, i);
            double got = floatAt(a, dtype, i);
            if (tolerance.allows(got, want)) {
                continue;
            }
            differing++;
            double allowed = tolerance.allowed(want);
            double excess = Double.isFinite(got - want) ? Math.abs(got - want) / Math.max(allowed, Double.MIN_VALUE)
                    : Double.POSITIVE_INFINITY;
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (differing == 0) {
            return Optional.empty();
        }
        double want = floatAt(e, dtype, worst);
        double got = floatAt(a, dtype, worst);
        return Optional.of(output + " differs in " + differing + " of " + n + " elements beyond the tolerance"
                + " (absolute " + tolerance.absolute() + ", relative " + tolerance.relative() + "); the worst is at "
                + index(expected.shape(), worst) + ": got " + got + ", expected " + want + " (difference "
                + Math.abs(got - want) + ", allowed " + tolerance.allowed(want) + ")");
    }

    private static Optional<String> compareExactly(String output, Tensor expected, Tensor actual) {
        ByteBuffer e = expected.data();
        ByteBuffer a = actual.data();
        DType dtype = expected.dtype();
        int n = (int) expected.shape().elementCount();
        int differing = 0;
        int first = -1;
        for (int i = 0; i < n; i++) {
            if (integerAt(e, dtype, i) != integerAt(a, dtype, i)) {
                differing++;
                first = first < 0 ? i : first;
            }
        }
        if (differing == 0) {
            return Optional.empty();
        }
        return Optional.of(output + " differs in " + differing + " of " + n + " elements (" + dtype
                + " is compared exactly); the first is at " + index(expected.shape(), first) + ": got "
                + text(dtype, integerAt(a, dtype, first)) + ", expected " + text(dtype, integerAt(e, dtype, first)));
    }

    private static double floatAt(ByteBuffer b, DType dtype, int i) {
        return switch (dtype) {
            case FLOAT16 -> HalfFloats.float16ToFloat(b.getShort(i * 2));
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(b.getShort(i * 2));
            case FLOAT32 -> b.getFloat(i * 4);
            case FLOAT64 -> b.getDouble(i * 8);
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point dtype");
        };
    }

    private static long integerAt(ByteBuffer b, DType dtype, int i) {
        return switch (dtype) {
            case BOOL, UINT8 -> b.get(i) & 0xff;
            case INT8 -> b.get(i);
            case INT16 -> b.getShort(i * 2);
            case INT32 -> b.getInt(i * 4);
            case INT64 -> b.getLong(i * 8);
            default -> throw new IllegalArgumentException(dtype + " is a floating-point dtype");
        };
    }

    private static String text(DType dtype, long value) {
        return dtype == DType.BOOL ? Boolean.toString(value != 0) : Long.toString(value);
    }

    /** The coordinates of the {@code flat}-th element in row-major order, {@code [1, 2]}. */
    static String index(Shape shape, int flat) {
        long[] at = new long[shape.rank()];
        long rest = flat;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            at[d] = rest % shape.dim(d);
            rest /= shape.dim(d);
        }
        StringBuilder s = new StringBuilder("[");
        for (int d = 0; d < at.length; d++) {
            s.append(d == 0 ? "" : ", ").append(at[d]);
        }
        return s.append(']').toString();
    }
}
