package io.inferno.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes tensor payloads with Jackson's streaming API (the wire format is described in
 * {@code docs/tensor-payloads.md}).
 *
 * <pre>{@code
 * {"dtype": "float32", "shape": [2, 3], "data": [[1, 2, 3], [4, 5, 6]]}
 * {"dtype": "float32", "shape": [2, 3], "base64": "AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA"}
 * }</pre>
 *
 * <ul>
 *   <li>{@code data} holds nested lists, row-major, as deep as the shape's rank; a scalar (shape {@code []}) is a
 *       bare value. {@code base64} holds the contiguous little-endian element bytes in standard base64 with
 *       {@code =} padding. Exactly one of the two is present.
 *   <li>Keys may come in any order. Decoding is fastest, with no per-element objects, when {@code dtype} and
 *       {@code shape} come first, as {@link #encode} writes them.
 *   <li>{@code bool} elements are {@code true}/{@code false} in lists and bytes 0/1 in base64 (other bytes are
 *       rejected). Integer dtypes accept only integer tokens within their range: {@code 2.0} is not an integer.
 *       float16 and bfloat16 elements are written as their float values and read back correctly rounded.
 *   <li>Non-finite floats are written as the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"},
 *       since plain JSON has no such numbers; decoding accepts those strings, and also the bare tokens a parser
 *       produces when built with {@code JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS}. NaN is decoded as the one
 *       canonical NaN of the dtype. A finite number beyond the dtype's range (1e39 as float32) is rejected rather
 *       than turned into infinity; one too small to represent rounds to zero, as any float parse does.
 * </ul>
 *
 * <p>The parser may be any {@link JsonParser}: over JSON bytes, a {@code TreeTraversingParser} over a YAML tree,
 * a token buffer. For speed, build JSON factories with {@code StreamReadFeature.USE_FAST_DOUBLE_PARSER} (numbers
 * are then parsed from the parser's buffer without a String each), {@code StreamWriteFeature
 * .USE_FAST_DOUBLE_WRITER}, and, for parsers over a byte array, {@code StreamReadFeature
 * .INCLUDE_SOURCE_IN_LOCATION}: the parser then shows its input, and a {@code base64} string is decoded straight
 * from those bytes, never copied into the parser's character buffer (about twice as fast). Jackson then also quotes
 * an excerpt of the input in its exception messages; {@code getOriginalMessage()} has none.
 *
 * <p>Memory: a payload is rejected if its shape exceeds {@link Tensor#MAX_BYTES} before anything is allocated,
 * and never makes the decoder allocate much more than the data it actually carries (see {@code ElementBuffer}).
 *
 * <p>Errors: whatever is wrong with a payload's content is an {@link InvalidInputException} naming the input and,
 * inside nested data, the index path ({@code data[1][2]}); after one, the parser's position is unspecified. Text
 * that is not JSON at all surfaces as Jackson's own {@link IOException} subclasses, as for the rest of a request.
 */
public final class TensorCodec {
    private TensorCodec() {}

    /**
     * Decodes one payload object ({@code {"dtype","shape","data"}} or {@code {"dtype","shape","base64"}}); the
     * parser is positioned on its START_OBJECT (a fresh parser is advanced to its first token) and is left on the
     * matching END_OBJECT.
     *
     * @param name the input's name, quoted in error messages
     * @throws InvalidInputException describing what is wrong and where
     */
    public static Tensor decode(JsonParser parser, String name) throws IOException {
        Objects.requireNonNull(name, "name");
        advanceIfFresh(parser);
        return PayloadReader.read(parser, name);
    }

    /**
     * Decodes an object of input name to payload, keeping the order of appearance. The parser is positioned on
     * its START_OBJECT (a fresh parser is advanced to its first token) and is left on the matching END_OBJECT.
     *
     * @return an unmodifiable map in the order the names appear
     * @throws InvalidInputException for a name given twice, and for anything {@link #decode} rejects
     */
    public static Map<String, Tensor> decodeNamed(JsonParser parser) throws IOException {
        JsonToken token = advanceIfFresh(parser);
        if (token != JsonToken.START_OBJECT) {
            throw new InvalidInputException("inputs are " + Rejection.describe(parser, token)
                    + ", expected an object of input name to tensor payload");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (tensors.containsKey(name)) {
                // Rejected before decoding the second payload, which would otherwise be wasted work.
                throw new InvalidInputException("input '" + name + "' is given more than once");
            }
            parser.nextToken();
            tensors.put(name, PayloadReader.read(parser, name));
        }
        return Collections.unmodifiableMap(tensors);
    }

    /**
     * Decodes a tensor's elements from the value the parser is on: a list nested as {@code shape} says, or one flat
     * list of every element in row-major order (as the Open Inference Protocol's {@code data} allows), converted
     * to {@code dtype} without boxing. Leaves the parser on the value's last token.
     *
     * @param name the input's name, quoted in error messages
     * @throws InvalidInputException for a value that is not {@code shape}'s elements of {@code dtype}, naming where
     */
    public static Tensor decodeData(JsonParser parser, String name, DType dtype, Shape shape) throws IOException {
        Objects.requireNonNull(name, "name");
        int byteSize;
        try {
            byteSize = Tensor.checkedByteSize(dtype, shape);
        } catch (IllegalArgumentException e) {
            throw Rejection.of(name, "%s", e.getMessage());
        }
        advanceIfFresh(parser);
        return Tensor.wrap(dtype, shape, NestedListReader.read(parser, name, dtype, shape, byteSize, true));
    }

    /** Writes a tensor's elements as one flat JSON list in row-major order (NaN and infinities as strings). */
    public static void encodeFlatData(JsonGenerator generator, Tensor tensor) throws IOException {
        Objects.requireNonNull(tensor, "tensor");
        PayloadWriter.writeFlat(generator, tensor);
    }

    /** Encodes one tensor as a payload object in the given codec: dtype, shape, then data or base64. */
    public static void encode(JsonGenerator generator, Tensor tensor, Codec codec) throws IOException {
        Objects.requireNonNull(tensor, "tensor");
        Objects.requireNonNull(codec, "codec");
        PayloadWriter.write(generator, tensor, codec);
    }

    private static JsonToken advanceIfFresh(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        return token != null ? token : parser.nextToken();
    }
}
