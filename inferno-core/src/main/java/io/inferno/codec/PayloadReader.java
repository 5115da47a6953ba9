package io.inferno.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one payload object, in whatever order its keys come.
 *
 * <p>When {@code dtype} and {@code shape} precede the elements, as the encoder writes them and clients should,
 * the elements are decoded straight from the parser. When the elements come first, their value is set aside in a
 * Jackson {@link TokenBuffer} and decoded from it once the object ends. That path keeps tokens as objects, so it
 * costs memory in proportion to the text; it exists for correctness, not speed.
 */
final class PayloadReader {
    /** More dimensions than any framework supports (NumPy allows 64); bounds what a shape list makes us hold. */
    static final int MAX_RANK = 64;

    private static final String KEYS = "dtype, shape, data or base64";

    private final JsonParser parser;
    private final String input;

    private DType dtype;
    private Shape shape;
    private int byteSize = -1; // known once dtype and shape are
    private boolean sawData;
    private boolean sawBase64;
    private ByteBuffer elements; // decoded in place
    private TokenBuffer pending; // data or base64 that came before dtype or shape

    private PayloadReader(JsonParser parser, String input) {
        this.parser = parser;
        this.input = input;
    }

    /** Reads the payload object the parser is on, leaving the parser on its END_OBJECT. */
    static Tensor read(JsonParser parser, String input) throws IOException {
        return new PayloadReader(parser, input).read();
    }

    private Tensor read() throws IOException {
        JsonToken token = parser.currentToken();
        if (token != JsonToken.START_OBJECT) {
            throw Rejection.of(input, "payload is %s, expected an object with keys dtype, shape and data or base64",
                    Rejection.describe(parser, token));
        }
        for (token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (key) {
                case "dtype" -> readDtype(value);
                case "shape" -> readShape(value);
                case "data" -> readData();
                case "base64" -> readBase64(value);
                default -> throw Rejection.of(input, "unknown key '%s'; expected %s", key, KEYS);
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw Rejection.of(input, "payload ends with %s, expected a key or the end of the object",
                    Rejection.describe(parser, token));
        }
        requireComplete();
        if (pending != null) {
            try (JsonParser replay = pending.asParserOnFirstToken()) {
                elements = sawData ? NestedListReader.read(replay, input, dtype, shape, byteSize)
                        : Base64Elements.read(replay, input, dtype, shape, byteSize);
            }
        }
        return Tensor.wrap(dtype, shape, elements);
    }

    private void readDtype(JsonToken value) throws IOException {
        if (dtype != null) {
            throw duplicateKey("dtype");
        }
        if (value != JsonToken.VALUE_STRING) {
            throw Rejection.of(input, "dtype is %s, expected a string, one of: %s",
                    Rejection.describe(parser, value), DType.supportedNames());
        }
        try {
            dtype = DType.forName(parser.getText());
        } catch (IllegalArgumentException e) {
            throw Rejection.of(input, "%s", e.getMessage());
        }
        checkSize();
    }

    private void readShape(JsonToken value) throws IOException {
        if (shape != null) {
            throw duplicateKey("shape");
        }
        if (value != JsonToken.START_ARRAY) {
            throw Rejection.of(input, "shape is %s, expected a list of non-negative integers",
                    Rejection.describe(parser, value));
        }
        long[] dims = new long[4];
        int rank = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (rank == MAX_RANK) {
                throw Rejection.of(input, "shape has more than %d dimensions", MAX_RANK);
            }
            if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == NumberType.BIG_INTEGER
                    || parser.getLongValue() < 0) {
                throw Rejection.of(input, "shape[%d] is %s, expected a non-negative integer", rank,
                        Rejection.describe(parser, token));
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, 2 * rank);
            }
            dims[rank++] = parser.getLongValue();
        }
        try {
            shape = Shape.of(Arrays.copyOf(dims, rank));
        } catch (IllegalArgumentException e) {
            throw Rejection.of(input, "%s", e.getMessage());
        }
        checkSize();
    }

    /** Rejects a tensor too large to hold as soon as dtype and shape are both known, before any data. */
    private void checkSize() {
        if (dtype != null && shape != null) {
            try {
                byteSize = Tensor.checkedByteSize(dtype, shape);
            } catch (IllegalArgumentException e) {
                throw Rejection.of(input, "%s", e.getMessage());
            }
        }
    }

    private void readData() throws IOException {
        requireOneElementsKey("data");
        sawData = true;
        if (byteSize >= 0) {
            elements = NestedListReader.read(parser, input, dtype, shape, byteSize);
        } else {
            setAside();
        }
    }

    private void readBase64(JsonToken value) throws IOException {
        requireOneElementsKey("base64");
        sawBase64 = true;
        if (value != JsonToken.VALUE_STRING) {
            throw Rejection.of(input, "base64 is %s, expected a string", Rejection.describe(parser, value));
        }
        if (byteSize >= 0) {
            elements = Base64Elements.read(parser, input, dtype, shape, byteSize);
        } else {
            setAside();
        }
    }

    /** Copies the value the parser is on, leaving the parser on its last token. */
    private void setAside() throws IOException {
        pending = new TokenBuffer(parser);
        pending.copyCurrentStructure(parser);
    }

    private void requireOneElementsKey(String key) {
        if (key.equals("data") ? sawData : sawBase64) {
            throw duplicateKey(key);
        }
        if (sawData || sawBase64) {
            throw Rejection.of(input, "has both data and base64; give exactly one");
        }
    }

    /** Everything missing, in one exception, so the client fixes it in one go. */
    private void requireComplete() {
        List<String> missing = new ArrayList<>();
        if (dtype == null) {
            missing.add(Rejection.problem(input, "missing dtype"));
        }
        if (shape == null) {
            missing.add(Rejection.problem(input, "missing shape"));
        }
        if (!sawData && !sawBase64) {
            missing.add(Rejection.problem(input, "has neither data nor base64; give exactly one"));
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException(missing);
        }
    }

    private InvalidInputException duplicateKey(String key) {
        return Rejection.of(input, "duplicate key '%s'", key);
    }
}
