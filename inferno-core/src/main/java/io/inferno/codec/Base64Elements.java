package io.inferno.codec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.ContentReference;
import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import java.io.IOException;
import java.io.Writer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes a payload's {@code base64} value: standard alphabet, {@code =} padding required, no line breaks or
 * other characters.
 *
 * <p>The decoded size follows from the text's length, so it is compared with the shape's byte size before the
 * output is allocated: a short string cannot make us allocate what a huge shape declares.
 *
 * <p>Fast path: when the parser reads a byte array it shows in its locations (see {@link #fromSource}), the quads
 * are decoded straight from those bytes and the parser only skips the string. Otherwise, through the parser:
 *
 * <p>Why a {@link Writer}: {@link com.fasterxml.jackson.core.JsonParser#getText(Writer)} hands a long string over
 * in the chunks the parser already holds, so it is decoded without first being joined into one array and then
 * copied into a String and its bytes (for a 5 MB string, 7 ms instead of 10). The parser's own scan of the string
 * into its buffer takes about half of what remains; no token API avoids it (Jackson's own streaming base64
 * reader is slower still). A quad of four characters may straddle two chunks; up to three characters wait in
 * {@link #quad} for the rest.
 */
final class Base64Elements extends Writer {
    /** Six bits per character of the standard alphabet; -1 for every other char, including '='. */
    private static final byte[] SEXTETS = new byte[Character.MAX_VALUE + 1];
    private static final VarHandle BIG_ENDIAN_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** Twelve bits per pair of bytes (the first byte high) that are both in the alphabet; -1 for every other pair. */
    private static final short[] PAIRS = new short[1 << 16];

    static {
        Arrays.fill(SEXTETS, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            SEXTETS[alphabet.charAt(i)] = (byte) i;
        }
        for (int pair = 0; pair < PAIRS.length; pair++) {
            int high = SEXTETS[pair >>> 8];
            int low = SEXTETS[pair & 0xff];
            PAIRS[pair] = (short) (high < 0 || low < 0 ? -1 : high << 6 | low);
        }
    }

    private final String input;
    private final DType dtype;
    private final Shape shape;
    private final int length; // characters in the text
    private final int lastQuadStart; // the last quad may hold padding, so it is decoded apart
    private final int padding; // the '=' count that makes the decoded size match the shape
    private final byte[] out;
    private int written;
    private int position; // characters consumed
    private final char[] quad = new char[4];
    private int quadSize;

    private Base64Elements(String input, DType dtype, Shape shape, int length, int padding, int byteSize) {
        this.input = input;
        this.dtype = dtype;
        this.shape = shape;
        this.length = length;
        this.lastQuadStart = length - 4;
        this.padding = padding;
        this.out = new byte[byteSize];
    }

    /**
     * Decodes the string the parser is on.
     *
     * @param byteSize the tensor's byte size, already checked against the size limit
     * @throws io.inferno.InvalidInputException when the text is malformed, decodes to another size, or holds a
     *     bool byte other than 0 or 1
     */
    static ByteBuffer read(JsonParser parser, String input, DType dtype, Shape shape, int byteSize)
            throws IOException {
        Base64Elements fromSource = fromSource(parser, input, dtype, shape, byteSize);
        if (fromSource != null) {
            return fromSource.finish();
        }
        int length = parser.getTextLength();
        if (length % 4 != 0) {
            throw Rejection.of(input, "base64 is malformed: its length %d is not a multiple of 4 "
                    + "(standard base64 with '=' padding)", length);
        }
        long unpadded = length / 4 * 3L;
        long padding = unpadded - byteSize;
        if (padding < 0 || padding > 2) {
            // Rare, so reading the whole text to count its padding costs nothing that matters.
            String text = parser.getText();
            throw wrongSize(input, dtype, shape, byteSize,
                    unpadded - (length == 0 ? 0 : padding(text.charAt(length - 2), text.charAt(length - 1))));
        }
        Base64Elements decoder = new Base64Elements(input, dtype, shape, length, (int) padding, byteSize);
        parser.getText(decoder);
        return decoder.finish();
    }

    /**
     * Decodes the string straight from the bytes the parser reads, when it reads a byte array it shows in its
     * locations ({@link com.fasterxml.jackson.core.StreamReadFeature#INCLUDE_SOURCE_IN_LOCATION}): the string is
     * then never scanned into the parser's character buffer, which is most of the cost otherwise. The parser stays
     * on the string, unread, and skips it on its next token. Returns a decoder with every quad but the last
     * decoded (its {@link #finish} checks the padding), or null when this path does not apply: another kind of
     * input, or a string that is not exactly the expected count of base64 characters, in which case the caller
     * decodes through the parser and reports precisely what is wrong.
     */
    private static Base64Elements fromSource(JsonParser parser, String input, DType dtype, Shape shape,
            int byteSize) {
        JsonLocation at = parser.currentTokenLocation();
        ContentReference source = at.contentReference();
        if (source == null || !(source.getRawContent() instanceof byte[] raw) || at.getByteOffset() < 0) {
            return null;
        }
        int contentStart = Math.max(0, source.contentOffset()); // -1 for a parser over the whole array
        long quote = contentStart + at.getByteOffset(); // the string's opening quote
        long length = (byteSize + 2L) / 3 * 4;
        long closing = quote + 1 + length;
        long end = source.contentLength() < 0 ? raw.length : (long) contentStart + source.contentLength();
        if (closing >= Math.min(end, raw.length) || raw[(int) quote] != '"' || raw[(int) closing] != '"') {
            return null;
        }
        int start = (int) quote + 1;
        int chars = (int) length;
        Base64Elements decoder = new Base64Elements(input, dtype, shape, chars, (int) (length / 4 * 3 - byteSize),
                byteSize);
        if (chars > 0) {
            if (!decoder.decodeSourceQuads(raw, start, chars / 4 - 1)) {
                return null; // a character outside the alphabet, maybe an escape: the parser's path names it
            }
            for (int i = 0; i < 4; i++) {
                decoder.quad[i] = (char) (raw[start + chars - 4 + i] & 0xff);
            }
        }
        decoder.position = chars;
        return decoder;
    }

    /**
     * {@link #decodeQuads} over bytes, reading each quad as one int and looking its two halves up in {@link #PAIRS};
     * false when a byte is outside the alphabet.
     */
    private boolean decodeSourceQuads(byte[] raw, int offset, int quads) {
        short[] pairs = PAIRS;
        byte[] bytes = out;
        int o = 0;
        int at = offset;
        int invalid = 0;
        for (int q = 0; q < quads; q++, at += 4, o += 3) {
            int quad = (int) BIG_ENDIAN_INT.get(raw, at);
            int bits = pairs[quad >>> 16] << 12 | pairs[quad & 0xffff];
            invalid |= bits;
            BIG_ENDIAN_INT.set(bytes, o, bits << 8);
        }
        written = o;
        return invalid >= 0;
    }

    private static InvalidInputException wrongSize(String input, DType dtype, Shape shape, int byteSize,
            long decodedSize) {
        return Rejection.of(input, "base64 decodes to %d bytes, expected %d (%d %s elements of %d byte%s, shape %s)",
                decodedSize, byteSize, shape.elementCount(), dtype, dtype.itemSize(), dtype.itemSize() == 1 ? "" : "s",
                shape);
    }

    /** How many of the last two characters are '='. */
    private static int padding(char beforeLast, char last) {
        return last != '=' ? 0 : beforeLast != '=' ? 1 : 2;
    }

    @Override
    public void write(char[] chars, int offset, int count) {
        int end = offset + count;
        int at = offset;
        while (at < end) {
            if (quadSize > 0 || end - at < 4 || position >= lastQuadStart) {
                quad[quadSize++] = chars[at++];
                position++;
                if (quadSize == 4) {
                    quadSize = 0;
                    if (position < length) {
                        decodeQuads(quad, 0, 1, position - 4);
                    }
                }
            } else {
                int quads = Math.min(end - at, lastQuadStart - position) >>> 2;
                decodeQuads(chars, at, quads, position);
                at += quads << 2;
                position += quads << 2;
            }
        }
    }

    /**
     * Decodes whole quads without padding; the hot loop. Each quad's three bytes go out in one four-byte store
     * whose last byte the next quad overwrites: never the final quad, so the array always has that byte. Invalid
     * characters (-1) make {@code bits} negative; they are looked for once, after the loop, keeping it branch-free.
     */
    private void decodeQuads(char[] chars, int offset, int quads, int textIndex) {
        byte[] sextets = SEXTETS;
        byte[] bytes = out;
        int o = written;
        int at = offset;
        int invalid = 0;
        for (int q = 0; q < quads; q++, at += 4, o += 3) {
            int bits = sextets[chars[at]] << 18 | sextets[chars[at + 1]] << 12 | sextets[chars[at + 2]] << 6
                    | sextets[chars[at + 3]];
            invalid |= bits;
            BIG_ENDIAN_INT.set(bytes, o, bits << 8);
        }
        if (invalid < 0) {
            throw malformed(chars, offset, textIndex);
        }
        written = o;
    }

    /** Decodes the last quad, with its padding, and returns the element bytes. */
    private ByteBuffer finish() {
        if (position != length) {
            throw new IllegalStateException("decoded " + position + " of " + length + " base64 characters");
        }
        if (length > 0) {
            int actualPadding = padding(quad[2], quad[3]);
            if (actualPadding != padding) {
                throw wrongSize(input, dtype, shape, out.length, length / 4 * 3L - actualPadding);
            }
            int bits = 0;
            for (int i = 0; i < 4 - padding; i++) {
                int sextet = SEXTETS[quad[i]];
                if (sextet < 0) {
                    throw malformed(quad, 0, lastQuadStart);
                }
                bits |= sextet << (18 - 6 * i);
            }
            for (int i = 0; i < 3 - padding; i++) {
                out[written++] = (byte) (bits >> (16 - 8 * i));
            }
        }
        if (dtype == DType.BOOL) {
            requireBooleans();
        }
        return ByteBuffer.wrap(out);
    }

    /** The first character outside the alphabet from {@code chars[offset]}, which is at {@code textIndex}. */
    private InvalidInputException malformed(char[] chars, int offset, int textIndex) {
        for (int i = offset; i < chars.length; i++) {
            char c = chars[i];
            if (SEXTETS[c] < 0) {
                String shown = c >= ' ' && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
                String why = c == '=' ? "allowed before the end" : "in the standard base64 alphabet";
                return Rejection.of(input, "base64 is malformed: %s at index %d is not %s", shown,
                        textIndex + i - offset, why);
            }
        }
        throw new AssertionError("no invalid character after index " + textIndex);
    }

    private void requireBooleans() {
        for (int i = 0; i < out.length; i++) {
            if ((out[i] & ~1) != 0) {
                throw Rejection.of(input, "base64 bool element %d is byte %d, expected 0 or 1", i, out[i] & 0xff);
            }
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
