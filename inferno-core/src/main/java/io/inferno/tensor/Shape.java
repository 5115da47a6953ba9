package io.inferno.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor: an immutable list of non-negative sizes, row-major, dimension 0 first.
 *
 * <p>A shape's element count always fits in a {@code long}: {@link #of} rejects negative dimensions and products
 * that overflow, so nothing downstream allocates from a shape that cannot exist.
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new long[0], 1, 1);

    private final long[] dims;
    private final long elementCount;
    private final long elementsPerRow;

    private Shape(long[] dims, long elementCount, long elementsPerRow) {
        this.dims = dims;
        this.elementCount = elementCount;
        this.elementsPerRow = elementsPerRow;
    }

    /**
     * A shape with the given dimensions (copied).
     *
     * @throws IllegalArgumentException for a negative dimension or an element count that overflows a long
     */
    public static Shape of(long... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        // Both the row size and the total must fit: a shape [0, 2^40, 2^40] has no elements but no row size.
        long perRow = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException(
                        "dimension " + i + " of shape " + Arrays.toString(dims) + " is negative");
            }
            if (i > 0) {
                perRow = multiply(perRow, dims[i], dims);
            }
        }
        return new Shape(dims.clone(), multiply(perRow, dims[0], dims), perRow);
    }

    private static long multiply(long a, long b, long[] dims) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(dims) + " has more elements than a long can count");
        }
    }

    /** The scalar shape {@code []}, with one element. */
    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int index) {
        return dims[index];
    }

    /** A copy of the dimensions. */
    public long[] dims() {
        return dims.clone();
    }

    /** Product of the dimensions (1 for a scalar). */
    public long elementCount() {
        return elementCount;
    }

    /** This shape with dimension 0 replaced by {@code rows}. Requires rank at least 1. */
    public Shape withRows(long rows) {
        if (dims.length == 0) {
            throw new IllegalStateException("a scalar has no rows");
        }
        long[] d = dims.clone();
        d[0] = rows;
        return of(d);
    }

    /** Elements in one row along dimension 0 (the product of the other dimensions). Requires rank at least 1. */
    public long elementsPerRow() {
        if (dims.length == 0) {
            throw new IllegalStateException("a scalar has no rows");
        }
        return elementsPerRow;
    }

    /** True when both shapes have the same rank and agree on every dimension but the first. */
    public boolean sameTrailingDims(Shape other) {
        if (other.dims.length != dims.length || dims.length == 0) {
            return false;
        }
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] != other.dims[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Rendered as in JSON payloads, for example {@code [2, 3]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
