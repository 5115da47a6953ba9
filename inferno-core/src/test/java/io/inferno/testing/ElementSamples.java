package io.inferno.testing;

import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Tensors of every dtype with varied bit patterns, for tests that send each dtype through a runtime and back. */
public final class ElementSamples {
    private ElementSamples() {}

    /**
     * {@code count} elements of {@code dtype} as a [count / 3, 3] tensor, with varied bit patterns: bools 0 or 1,
     * integers of every byte, floats (half, bfloat16, single, double) finite.
     */
    public static Tensor varied(DType dtype, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            double v = (i * 37 % 23) - 11.25;
            switch (dtype) {
                case BOOL -> b.put((byte) (i % 3 == 0 ? 1 : 0));
                case UINT8, INT8 -> b.put((byte) (i * 37));
                case INT16 -> b.putShort((short) (i * 0x0101 - 77));
                case INT32 -> b.putInt(i * 0x01010101 - 77);
                case INT64 -> b.putLong(i * 0x0101010101010101L - 77);
                case FLOAT16 -> b.putShort((short) (0x3C00 + i * 0x0101)); // finite halves from 1.0 up
                case BFLOAT16 -> b.putShort((short) (0x3F80 + i * 0x0101)); // finite bfloat16s from 1.0 up
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT64 -> b.putDouble(v / 3);
                default -> throw new AssertionError(dtype);
            }
        }
        b.flip();
        return Tensor.wrap(dtype, Shape.of(count / 3, 3), b);
    }

    /** The elements of a 16-bit tensor (float16, bfloat16, int16) as unsigned bit patterns. */
    public static int[] shorts(Tensor t) {
        ByteBuffer b = t.data();
        int[] out = new int[b.remaining() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getShort() & 0xFFFF;
        }
        return out;
    }
}
