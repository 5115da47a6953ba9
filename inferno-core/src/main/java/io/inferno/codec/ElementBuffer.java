package io.inferno.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The little-endian element bytes of a tensor being decoded from JSON lists, growing as elements arrive.
 *
 * <p>Why it grows: a payload's shape is a claim until its data bears it out. {@code "shape": [400000000]} is under
 * {@link io.inferno.tensor.Tensor#MAX_BYTES} as float32, yet followed by three numbers it must not cost 1.6 GB.
 * So at most {@link #EAGER_BYTES} are allocated up front and the array doubles as elements are actually read,
 * never past the declared size. Every element costs at least two characters of text ({@code 1,}), so what a
 * payload makes us hold stays within a small multiple of what it sent. Tensors up to {@code EAGER_BYTES}, the
 * common case, are allocated once at their exact size; larger ones pay about one extra copy of their bytes in
 * total, small next to parsing a number per element.
 */
final class ElementBuffer {
    /** The most allocated before any element is read. */
    static final int EAGER_BYTES = 1 << 20;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private final int byteSize;
    private byte[] bytes;
    private int position;

    /** A buffer for exactly {@code byteSize} bytes (already checked against the tensor size limit). */
    ElementBuffer(int byteSize) {
        this.byteSize = byteSize;
        this.bytes = new byte[Math.min(byteSize, EAGER_BYTES)];
    }

    void putByte(int value) {
        ensure(1);
        bytes[position++] = (byte) value;
    }

    void putShort(short value) {
        ensure(2);
        SHORT.set(bytes, position, value);
        position += 2;
    }

    void putInt(int value) {
        ensure(4);
        INT.set(bytes, position, value);
        position += 4;
    }

    void putLong(long value) {
        ensure(8);
        LONG.set(bytes, position, value);
        position += 8;
    }

    void putFloat(float value) {
        ensure(4);
        FLOAT.set(bytes, position, value);
        position += 4;
    }

    void putDouble(double value) {
        ensure(8);
        DOUBLE.set(bytes, position, value);
        position += 8;
    }

    /** The bytes written, which must be exactly the declared size. */
    ByteBuffer finish() {
        if (position != byteSize) {
            throw new IllegalStateException("decoded " + position + " bytes, declared " + byteSize);
        }
        return ByteBuffer.wrap(bytes, 0, position);
    }

    private void ensure(int n) {
        if (position + n > bytes.length) {
            grow(n);
        }
    }

    private void grow(int n) {
        // The caller checks element counts against the shape, so running past the declared size is a bug.
        if (position + n > byteSize) {
            throw new IllegalStateException("writing past the declared " + byteSize + " bytes");
        }
        long doubled = 2L * bytes.length;
        int capacity = (int) Math.min(byteSize, Math.max(doubled, position + n));
        byte[] larger = new byte[capacity];
        System.arraycopy(bytes, 0, larger, 0, position);
        bytes = larger;
    }
}
