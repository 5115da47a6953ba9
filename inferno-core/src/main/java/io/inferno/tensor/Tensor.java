package io.inferno.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * An immutable tensor: a {@link DType}, a {@link Shape} and row-major, little-endian element bytes.
 *
 * <p>The bytes live in a read-only {@link ByteBuffer} (heap or direct). {@link #sliceRows} shares them, so
 * splitting a batch's outputs back into per-request tensors copies nothing; {@link #concatRows} copies each part
 * once into one new buffer, which is what batching a group of requests costs.
 *
 * <p>A tensor's byte size is limited to {@link #MAX_BYTES} (a Java buffer's limit); shapes beyond it are rejected
 * by {@link #checkedByteSize} before any allocation.
 */
public final class Tensor {
    /** Largest byte size of one tensor. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private final DType dtype;
    private final Shape shape;
    private final ByteBuffer data; // read-only, little-endian, position 0, limit == byte size

    private Tensor(DType dtype, Shape shape, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /**
     * The byte size of a tensor of this type and shape.
     *
     * @throws IllegalArgumentException when it exceeds {@link #MAX_BYTES}
     */
    public static int checkedByteSize(DType dtype, Shape shape) {
        long count = shape.elementCount();
        if (count > MAX_BYTES / dtype.itemSize()) {
            throw new IllegalArgumentException(String.format(
                    "%s tensor of shape %s would take %s bytes, more than the limit of %d bytes",
                    dtype.withArticle(), shape, byteSizeText(count, dtype), MAX_BYTES));
        }
        return (int) (count * dtype.itemSize());
    }

    private static String byteSizeText(long count, DType dtype) {
        return count > Long.MAX_VALUE / dtype.itemSize()
                ? "over " + Long.MAX_VALUE
                : Long.toString(count * dtype.itemSize());
    }

    /**
     * A tensor that takes ownership of {@code bytes} between its position and limit, without copying.
     * The caller must not change those bytes afterwards. Used by codecs and runtimes that just filled a buffer.
     *
     * @throws IllegalArgumentException when the byte count disagrees with dtype and shape
     */
    public static Tensor wrap(DType dtype, Shape shape, ByteBuffer bytes) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        int expected = checkedByteSize(dtype, shape);
        if (bytes.remaining() != expected) {
            throw new IllegalArgumentException(String.format(
                    "%s tensor of shape %s needs %d bytes, got %d", dtype.withArticle(), shape, expected, bytes.remaining()));
        }
        return new Tensor(dtype, shape, bytes.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    /** A tensor holding a copy of {@code bytes} (row-major, little-endian). */
    public static Tensor of(DType dtype, Shape shape, byte[] bytes) {
        return wrap(dtype, shape, ByteBuffer.wrap(bytes.clone()));
    }

    /** A float32 tensor holding a copy of {@code values}. */
    public static Tensor ofFloats(Shape shape, float... values) {
        ByteBuffer b = allocate(DType.FLOAT32, shape, values.length);
        b.asFloatBuffer().put(values);
        return wrap(DType.FLOAT32, shape, b);
    }

    /** A float64 tensor holding a copy of {@code values}. */
    public static Tensor ofDoubles(Shape shape, double... values) {
        ByteBuffer b = allocate(DType.FLOAT64, shape, values.length);
        b.asDoubleBuffer().put(values);
        return wrap(DType.FLOAT64, shape, b);
    }

    /** An int32 tensor holding a copy of {@code values}. */
    public static Tensor ofInts(Shape shape, int... values) {
        ByteBuffer b = allocate(DType.INT32, shape, values.length);
        b.asIntBuffer().put(values);
        return wrap(DType.INT32, shape, b);
    }

    /** An int64 tensor holding a copy of {@code values}. */
    public static Tensor ofLongs(Shape shape, long... values) {
        ByteBuffer b = allocate(DType.INT64, shape, values.length);
        b.asLongBuffer().put(values);
        return wrap(DType.INT64, shape, b);
    }

    /** A bool tensor holding a copy of {@code values}, one byte (0 or 1) each. */
    public static Tensor ofBooleans(Shape shape, boolean... values) {
        ByteBuffer b = allocate(DType.BOOL, shape, values.length);
        for (boolean v : values) {
            b.put(v ? (byte) 1 : (byte) 0);
        }
        b.flip();
        return wrap(DType.BOOL, shape, b);
    }

    private static ByteBuffer allocate(DType dtype, Shape shape, int valueCount) {
        int size = checkedByteSize(dtype, shape);
        if ((long) valueCount * dtype.itemSize() != size) {
            throw new IllegalArgumentException(String.format(
                    "shape %s holds %d elements, got %d values", shape, shape.elementCount(), valueCount));
        }
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    /** Size of dimension 0. */
    public long rows() {
        requireRows();
        return shape.dim(0);
    }

    /** Byte size of the element data. */
    public int byteSize() {
        return data.limit();
    }

    /** A read-only, little-endian view of the element bytes, positioned at 0. Costs no copy. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the element bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[data.limit()];
        data.duplicate().get(out);
        return out;
    }

    /** The elements of a float32 tensor. */
    public float[] toFloatArray() {
        requireType(DType.FLOAT32);
        float[] out = new float[(int) shape.elementCount()];
        data().asFloatBuffer().get(out);
        return out;
    }

    /** The elements of a float64 tensor. */
    public double[] toDoubleArray() {
        requireType(DType.FLOAT64);
        double[] out = new double[(int) shape.elementCount()];
        data().asDoubleBuffer().get(out);
        return out;
    }

    /** The elements of an int32 tensor. */
    public int[] toIntArray() {
        requireType(DType.INT32);
        int[] out = new int[(int) shape.elementCount()];
        data().asIntBuffer().get(out);
        return out;
    }

    /** The elements of an int64 tensor. */
    public long[] toLongArray() {
        requireType(DType.INT64);
        long[] out = new long[(int) shape.elementCount()];
        data().asLongBuffer().get(out);
        return out;
    }

    /**
     * Rows {@code [from, to)} along dimension 0, sharing this tensor's bytes (no copy).
     *
     * @throws IndexOutOfBoundsException when the range is not within {@code [0, rows()]}
     */
    public Tensor sliceRows(long from, long to) {
        long rows = rows();
        if (from < 0 || to < from || to > rows) {
            throw new IndexOutOfBoundsException(
                    "rows [" + from + ", " + to + ") are outside a tensor of " + rows + " rows");
        }
        if (from == 0 && to == rows) {
            return this;
        }
        long rowBytes = shape.elementsPerRow() * dtype.itemSize();
        int start = (int) (from * rowBytes);
        int end = (int) (to * rowBytes);
        ByteBuffer view = data.duplicate().position(start).limit(end).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new Tensor(dtype, shape.withRows(to - from), view);
    }

    /**
     * Concatenates tensors along dimension 0 into one new tensor, copying each part once.
     *
     * @throws IllegalArgumentException when the list is empty or the parts disagree in dtype or in any dimension
     *     but the first
     */
    public static Tensor concatRows(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        Tensor first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        first.requireRows();
        long rows = 0;
        for (Tensor t : parts) {
            if (t.dtype != first.dtype || !t.shape.sameTrailingDims(first.shape)) {
                throw new IllegalArgumentException(String.format(
                        "cannot concatenate %s tensor of shape %s with %s tensor of shape %s",
                        first.dtype.withArticle(), first.shape, t.dtype.withArticle(), t.shape));
            }
            rows += t.shape.dim(0);
        }
        Shape shape = first.shape.withRows(rows);
        ByteBuffer out = ByteBuffer.allocate(checkedByteSize(first.dtype, shape)).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : parts) {
            out.put(t.data.duplicate());
        }
        out.flip();
        return new Tensor(first.dtype, shape, out.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    private void requireRows() {
        if (shape.rank() == 0) {
            throw new IllegalStateException("a scalar tensor has no rows");
        }
    }

    private void requireType(DType expected) {
        if (dtype != expected) {
            throw new IllegalStateException("tensor is " + dtype + ", not " + expected);
        }
    }

    /** Equal when dtype, shape and every byte agree. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && dtype == t.dtype && shape.equals(t.shape) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, shape, data);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shape + "]";
    }
}
