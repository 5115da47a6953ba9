package io.inferno.codec;

import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Decodes a payload's {@code base64} value: standard alphabet, {@code =} padding required, no line breaks.
 *
 * <p>The decoded size follows from the text's length, so it is compared with the shape's byte size before the
 * output is allocated: a short string cannot make us allocate what a huge shape declares.
 */
final class Base64Elements {
    private Base64Elements() {}

    /**
     * The element bytes {@code text} encodes.
     *
     * @param byteSize the tensor's byte size, already checked against the size limit
     */
    static ByteBuffer decode(String text, String input, DType dtype, Shape shape, int byteSize) {
        int length = text.length();
        if (length % 4 != 0) {
            throw Rejection.of(input, "base64 is malformed: its length %d is not a multiple of 4 "
                    + "(standard base64 with '=' padding)", length);
        }
        int padding = length == 0 ? 0 : text.charAt(length - 1) != '=' ? 0 : text.charAt(length - 2) != '=' ? 1 : 2;
        long decodedSize = length / 4 * 3L - padding;
        if (decodedSize != byteSize) {
            throw Rejection.of(input, "base64 decodes to %d bytes, expected %d (%d %s elements of %d bytes, "
                    + "shape %s)", decodedSize, byteSize, shape.elementCount(), dtype, dtype.itemSize(), shape);
        }
        byte[] bytes = new byte[byteSize];
        try {
            // Latin-1 maps each char to one byte; anything outside it becomes '?', which the decoder rejects.
            Base64.getDecoder().decode(text.getBytes(StandardCharsets.ISO_8859_1), bytes);
        } catch (IllegalArgumentException e) {
            throw Rejection.of(input, "base64 is malformed: %s", e.getMessage());
        }
        if (dtype == DType.BOOL) {
            requireBooleans(bytes, input);
        }
        return ByteBuffer.wrap(bytes);
    }

    private static void requireBooleans(byte[] bytes, String input) {
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] & ~1) != 0) {
                throw Rejection.of(input, "base64 bool element %d is byte %d, expected 0 or 1", i,
                        bytes[i] & 0xff);
            }
        }
    }
}
