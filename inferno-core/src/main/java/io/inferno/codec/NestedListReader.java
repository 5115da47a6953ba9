package io.inferno.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonToken;
import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a payload's {@code data} value, nested JSON lists in row-major order, straight into little-endian element
 * bytes: each number token is converted with the parser's primitive accessors and written to an
 * {@link ElementBuffer}, with no boxed or intermediate values.
 *
 * <p>The walk is iterative, holding the index reached at each depth, so an error can name the exact place
 * ({@code data[1][2]}) and a deep shape cannot exhaust the stack. The element count of every list is checked
 * against the shape as the list is read, which also bounds what is written to the declared size.
 */
final class NestedListReader {
    private static final String NON_FINITE_NAMES = "\"NaN\", \"Infinity\" or \"-Infinity\"";

    private final JsonParser parser;
    private final String input;
    private final DType dtype;
    private final Shape shape;
    private long[] dims;
    /** index[d]: the position, within the list open at depth d, of the child being read. */
    private long[] index;
    /** Whether a flat list of all elements in row-major order may stand for a tensor of rank 2 or more. */
    private final boolean flatAllowed;
    private final ElementBuffer out;

    private NestedListReader(JsonParser parser, String input, DType dtype, Shape shape, int byteSize,
            boolean flatAllowed) {
        this.parser = parser;
        this.flatAllowed = flatAllowed;
        this.input = input;
        this.dtype = dtype;
        this.shape = shape;
        this.dims = shape.dims();
        this.index = new long[dims.length];
        this.out = new ElementBuffer(byteSize);
    }

    /**
     * Reads the value the parser is on and leaves the parser on its last token.
     *
     * @param byteSize the tensor's byte size, already checked against the size limit
     */
    static ByteBuffer read(JsonParser parser, String input, DType dtype, Shape shape, int byteSize)
            throws IOException {
        return read(parser, input, dtype, shape, byteSize, false);
    }

    /**
     * Reads the value the parser is on, nested as the shape says or, when {@code flatAllowed}, one flat list of
     * every element in row-major order (the Open Inference Protocol allows both); the first element of the
     * outer list tells which. Leaves the parser on the value's last token.
     */
    static ByteBuffer read(JsonParser parser, String input, DType dtype, Shape shape, int byteSize,
            boolean flatAllowed) throws IOException {
        NestedListReader reader = new NestedListReader(parser, input, dtype, shape, byteSize, flatAllowed);
        reader.readValue();
        return reader.out.finish();
    }

    private void readValue() throws IOException {
        JsonToken token = parser.currentToken();
        int rank = dims.length;
        if (rank == 0) {
            readElement(token, 0);
            return;
        }
        if (token != JsonToken.START_ARRAY) {
            throw notAList(token, 0);
        }
        int depth = 0; // depth of the innermost open list
        index[0] = 0;
        while (true) {
            if (depth == rank - 1) {
                readInnermostList(depth);
            } else {
                JsonToken next = parser.nextToken();
                if (next != JsonToken.END_ARRAY) {
                    if (index[depth] == dims[depth]) {
                        throw tooMany(depth);
                    }
                    if (next != JsonToken.START_ARRAY) {
                        if (flatAllowed && depth == 0 && index[0] == 0 && next.isScalarValue()) {
                            readFlat(next);
                            return;
                        }
                        throw notAList(next, depth + 1);
                    }
                    depth++;
                    index[depth] = 0;
                    continue;
                }
                if (index[depth] != dims[depth]) {
                    throw tooFew(depth);
                }
            }
            // The list at `depth` is complete.
            if (depth == 0) {
                return;
            }
            depth--;
            index[depth]++;
        }
    }

    /**
     * Reads the rest of a flat list whose first element is {@code first}: from here on the list is read, and
     * reported in messages, as the one dimension of {@code elementCount} elements it is.
     */
    private void readFlat(JsonToken first) throws IOException {
        dims = new long[] {shape.elementCount()};
        index = new long[1];
        if (dims[0] == 0) {
            throw tooMany(0);
        }
        readElement(first, 1);
        readInnermostList(0, 1);
    }

    /** Reads the elements and closing bracket of a list of scalars; the hot loop. */
    private void readInnermostList(int depth) throws IOException {
        readInnermostList(depth, 0);
    }

    private void readInnermostList(int depth, long from) throws IOException {
        long length = dims[depth];
        for (long i = from; i < length; i++) {
            JsonToken token = parser.nextToken();
            if (token == JsonToken.END_ARRAY) {
                index[depth] = i;
                throw tooFew(depth);
            }
            index[depth] = i;
            readElement(token, depth + 1);
        }
        index[depth] = length;
        if (parser.nextToken() != JsonToken.END_ARRAY) {
            throw tooMany(depth);
        }
    }

    /** Converts the scalar at {@code token} and appends it; {@code pathDepth} locates it for messages. */
    private void readElement(JsonToken token, int pathDepth) throws IOException {
        switch (dtype) {
            case FLOAT32 -> out.putFloat(readFloat(token, pathDepth));
            case FLOAT64 -> out.putDouble(readDouble(token, pathDepth));
            case FLOAT16, BFLOAT16 -> out.putShort(readSixteenBitFloat(token, pathDepth));
            case INT64 -> out.putLong(readLong(token, pathDepth));
            case INT32 -> out.putInt(readInt(token, pathDepth, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case INT16 -> out.putShort((short) readInt(token, pathDepth, Short.MIN_VALUE, Short.MAX_VALUE));
            case INT8 -> out.putByte(readInt(token, pathDepth, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT8 -> out.putByte(readInt(token, pathDepth, 0, 255));
            case BOOL -> out.putByte(readBool(token, pathDepth));
        }
    }

    private float readFloat(JsonToken token, int pathDepth) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
            float value = parser.getFloatValue();
            return Float.isFinite(value) ? value : (float) nonFiniteNumber(token, pathDepth);
        }
        return (float) namedNonFinite(token, pathDepth);
    }

    private double readDouble(JsonToken token, int pathDepth) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
            double value = parser.getDoubleValue();
            return Double.isFinite(value) ? value : nonFiniteNumber(token, pathDepth);
        }
        return namedNonFinite(token, pathDepth);
    }

    /** float16 and bfloat16: the token is read as a double and narrowed once, correctly rounded. */
    private short readSixteenBitFloat(JsonToken token, int pathDepth) throws IOException {
        double value = readDouble(token, pathDepth);
        boolean float16 = dtype == DType.FLOAT16;
        short bits = float16 ? HalfFloats.doubleToFloat16(value) : HalfFloats.doubleToBfloat16(value);
        int infinity = float16 ? 0x7c00 : 0x7f80;
        if ((bits & 0x7fff) == infinity && Double.isFinite(value)) {
            throw outOfFloatRange(token, pathDepth);
        }
        return bits;
    }

    /**
     * A number token whose value is not finite: either a non-numeric literal ({@code NaN}, {@code Infinity}) that
     * the parser was configured to allow, which is kept, or a finite literal too large for the dtype, which is
     * rejected rather than silently becoming infinity. Only the text tells them apart on every kind of parser
     * (JSON, token buffer, tree), and this path is rare, so reading it costs nothing that matters.
     */
    private double nonFiniteNumber(JsonToken token, int pathDepth) throws IOException {
        String text = parser.getText();
        int start = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
        char first = start < text.length() ? text.charAt(start) : '0';
        boolean literal = first != '.' && (first < '0' || first > '9');
        if (!literal) {
            throw outOfFloatRange(token, pathDepth);
        }
        double value = parser.getDoubleValue();
        return Double.isNaN(value) ? Double.NaN : value; // one canonical NaN, whatever the source's payload
    }

    /** The strings that stand for non-finite values, since plain JSON has no such numbers. */
    private double namedNonFinite(JsonToken token, int pathDepth) throws IOException {
        if (token == JsonToken.VALUE_STRING) {
            switch (parser.getText()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw wrongKind(token, pathDepth, "a " + dtype + " number or one of " + NON_FINITE_NAMES);
    }

    private String largestFinite() {
        return switch (dtype) {
            case FLOAT16 -> "65504";
            case BFLOAT16 -> Float.toString(HalfFloats.bfloat16ToFloat((short) 0x7f7f));
            case FLOAT32 -> Float.toString(Float.MAX_VALUE);
            case FLOAT64 -> Double.toString(Double.MAX_VALUE);
            default -> throw new AssertionError(dtype + " is not a float type");
        };
    }

    private long readLong(JsonToken token, int pathDepth) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT) {
            NumberType type = parser.getNumberType();
            if (type == NumberType.INT || type == NumberType.LONG) {
                return parser.getLongValue();
            }
            throw outOfIntRange(token, pathDepth, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        throw wrongKind(token, pathDepth, integerName());
    }

    private int readInt(JsonToken token, int pathDepth, int min, int max) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT) {
            if (parser.getNumberType() == NumberType.INT) {
                int value = parser.getIntValue();
                if (value >= min && value <= max) {
                    return value;
                }
            }
            throw outOfIntRange(token, pathDepth, min, max);
        }
        throw wrongKind(token, pathDepth, integerName());
    }

    private int readBool(JsonToken token, int pathDepth) throws IOException {
        if (token == JsonToken.VALUE_TRUE) {
            return 1;
        }
        if (token == JsonToken.VALUE_FALSE) {
            return 0;
        }
        throw wrongKind(token, pathDepth, "true or false");
    }

    private String integerName() {
        return (dtype == DType.UINT8 ? "a " : "an ") + dtype + " integer";
    }

    private InvalidInputException wrongKind(JsonToken token, int pathDepth, String expected) throws IOException {
        return Rejection.of(input, "%s is %s, expected %s", path(pathDepth), Rejection.describe(parser, token),
                expected);
    }

    private InvalidInputException outOfIntRange(JsonToken token, int pathDepth, long min, long max)
            throws IOException {
        return Rejection.of(input, "%s is %s, out of %s range [%d, %d]", path(pathDepth),
                Rejection.describe(parser, token), dtype, min, max);
    }

    private InvalidInputException outOfFloatRange(JsonToken token, int pathDepth) throws IOException {
        return Rejection.of(input, "%s is %s, out of %s range (largest finite magnitude %s)", path(pathDepth),
                Rejection.describe(parser, token), dtype, largestFinite());
    }

    private InvalidInputException notAList(JsonToken token, int pathDepth) throws IOException {
        return Rejection.of(input, "%s is %s, expected a list of %s (shape %s)", path(pathDepth),
                Rejection.describe(parser, token), elements(dims[pathDepth]), shape);
    }

    private InvalidInputException tooFew(int depth) {
        return Rejection.of(input, "%s has %s, expected %d (shape %s)", path(depth), elements(index[depth]),
                dims[depth], shape);
    }

    private InvalidInputException tooMany(int depth) {
        return Rejection.of(input, "%s has more than %s (shape %s)", path(depth), elements(dims[depth]), shape);
    }

    private static String elements(long count) {
        return count == 1 ? "1 element" : count + " elements";
    }

    /** {@code data} followed by the indices of the first {@code depth} open lists, e.g. {@code data[1][2]}. */
    private String path(int depth) {
        StringBuilder path = new StringBuilder("data");
        for (int d = 0; d < depth; d++) {
            path.append('[').append(index[d]).append(']');
        }
        return path.toString();
    }
}
