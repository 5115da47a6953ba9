package io.inferno.codec;

import static io.inferno.codec.Payloads.decode;
import static io.inferno.codec.Payloads.decodeNamed;
import static io.inferno.codec.Payloads.encode;
import static io.inferno.codec.Payloads.json;
import static io.inferno.codec.Payloads.withCanonicalNaNs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The wire format as written and read, order independence, non-finite values, parsers, and memory bounds. */
class TensorCodecTest {
    private static final Tensor MATRIX = Tensor.ofFloats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);

    // --- encoding: the exact text ---

    @Test
    void encodesNestedListsAfterDtypeAndShape() {
        assertThat(encode(MATRIX, Codec.JSON))
                .isEqualTo(json("{'dtype':'float32','shape':[2,3],'data':[[1.0,2.0,3.0],[4.0,5.0,6.0]]}"));
    }

    @Test
    void encodesBase64OfTheLittleEndianBytes() {
        assertThat(encode(MATRIX, Codec.BASE64))
                .isEqualTo(json("{'dtype':'float32','shape':[2,3],'base64':'AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA'}"));
    }

    @Test
    void encodesAScalarAsABareNumber() {
        assertThat(encode(Tensor.ofDoubles(Shape.scalar(), 2.5), Codec.JSON))
                .isEqualTo(json("{'dtype':'float64','shape':[],'data':2.5}"));
    }

    @Test
    void encodesEmptyDimensionsAsEmptyLists() {
        assertThat(encode(Tensor.ofInts(Shape.of(0)), Codec.JSON)).endsWith(json("'data':[]}"));
        assertThat(encode(Tensor.ofInts(Shape.of(2, 0)), Codec.JSON)).endsWith(json("'data':[[],[]]}"));
        assertThat(encode(Tensor.ofInts(Shape.of(0, 3)), Codec.JSON)).endsWith(json("'data':[]}"));
        assertThat(encode(Tensor.ofInts(Shape.of(0, 3)), Codec.BASE64)).endsWith(json("'base64':''}"));
    }

    @Test
    void encodesNonFiniteFloatsAsStrings() {
        Tensor tensor = Tensor.ofFloats(Shape.of(3), Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        assertThat(encode(tensor, Codec.JSON)).endsWith(json("'data':['NaN','Infinity','-Infinity']}"));
        Tensor doubles = Tensor.ofDoubles(Shape.of(2), Double.NaN, Double.NEGATIVE_INFINITY);
        assertThat(encode(doubles, Codec.JSON)).endsWith(json("'data':['NaN','-Infinity']}"));
    }

    @Test
    void encodesFloatsAsTheShortestDecimalThatReadsBack() {
        assertThat(encode(Tensor.ofFloats(Shape.of(3), 0.1f, 1e-45f, 3.4028235e38f), Codec.JSON))
                .endsWith("[0.1,1.4E-45,3.4028235E38]}");
        // A float16 is written as its float value: 0x2E66 is the float16 nearest 0.1.
        assertThat(encode(Tensor.of(DType.FLOAT16, Shape.of(1), new byte[] {0x66, 0x2e}), Codec.JSON))
                .endsWith("[0.099975586]}");
    }

    @Test
    void encodesBoolsAsTrueAndFalseOrAsBytes() {
        Tensor bools = Tensor.ofBooleans(Shape.of(2), true, false);
        assertThat(encode(bools, Codec.JSON)).endsWith(json("'data':[true,false]}"));
        assertThat(encode(bools, Codec.BASE64)).endsWith(json("'base64':'AQA='}"));
    }

    @Test
    void encodesIntegersWithTheirDtypesSignedness() {
        byte[] bytes = {(byte) 0xff, (byte) 0x80};
        assertThat(encode(Tensor.of(DType.UINT8, Shape.of(2), bytes), Codec.JSON)).endsWith("[255,128]}");
        assertThat(encode(Tensor.of(DType.INT8, Shape.of(2), bytes), Codec.JSON)).endsWith("[-1,-128]}");
        assertThat(encode(Tensor.of(DType.INT16, Shape.of(1), bytes), Codec.JSON)).endsWith("[-32513]}");
        assertThat(encode(Tensor.ofLongs(Shape.of(2), Long.MIN_VALUE, Long.MAX_VALUE), Codec.JSON))
                .endsWith("[-9223372036854775808,9223372036854775807]}");
    }

    // --- decoding ---

    @Test
    void decodesNestedListsAndBase64ToTheSameTensor() {
        assertThat(decode("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3], [4, 5, 6]]}"))
                .isEqualTo(MATRIX);
        assertThat(decode("{'dtype': 'float32', 'shape': [2, 3], 'base64': 'AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA'}"))
                .isEqualTo(MATRIX);
    }

    @Test
    void decodesBase64StraightFromTheInputBytesToTheSameTensors() {
        for (int n = 0; n <= 13; n++) { // every padding, one quad and several
            byte[] bytes = new byte[n];
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (i * 37 - 101);
            }
            Tensor t = Tensor.of(DType.UINT8, Shape.of(n), bytes);
            assertThat(Payloads.decodeFromSource(encode(t, Codec.BASE64))).as("%d bytes", n).isEqualTo(t);
        }
        Tensor bools = Tensor.ofBooleans(Shape.of(4), true, false, false, true);
        assertThat(Payloads.decodeFromSource(encode(bools, Codec.BASE64))).isEqualTo(bools);
        assertThat(Payloads.decodeFromSource("{'shape': [2, 3], 'base64': 'AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA', "
                + "'dtype': 'float32'}")).as("base64 before dtype: set aside, then decoded").isEqualTo(MATRIX);
    }

    @Test
    void theParserGoesOnPastABase64StringDecodedFromTheInputBytes() throws IOException {
        String body = json("{'a': {'dtype': 'float32', 'shape': [2, 3], 'base64': 'AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA'}, "
                + "'b': {'dtype': 'uint8', 'shape': [2], 'base64': 'AQI=', 'x': 1}}");
        try (JsonParser parser = Payloads.SOURCE.createParser(body.getBytes(StandardCharsets.UTF_8))) {
            assertThatThrownBy(() -> TensorCodec.decodeNamed(parser))
                    .hasMessage("input 'b': unknown key 'x'; expected dtype, shape, data or base64");
        }
    }

    @Test
    void decodesAScalarFromABareValue() {
        assertThat(decode("{'dtype': 'int64', 'shape': [], 'data': -7}")).isEqualTo(Tensor.ofLongs(Shape.scalar(), -7));
        assertThat(decode("{'dtype': 'bool', 'shape': [], 'data': true}"))
                .isEqualTo(Tensor.ofBooleans(Shape.scalar(), true));
    }

    @Test
    void decodesEmptyTensors() {
        assertThat(decode("{'dtype': 'int32', 'shape': [0], 'data': []}")).isEqualTo(Tensor.ofInts(Shape.of(0)));
        assertThat(decode("{'dtype': 'int32', 'shape': [2, 0], 'data': [[], []]}"))
                .isEqualTo(Tensor.ofInts(Shape.of(2, 0)));
        assertThat(decode("{'dtype': 'int32', 'shape': [0, 5], 'base64': ''}"))
                .isEqualTo(Tensor.ofInts(Shape.of(0, 5)));
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void decodesKeysInAnyOrder(Codec codec) {
        String[] members = json(encode(MATRIX, codec)).replaceAll("^\\{|}$", "").split(",(?=\")");
        assertThat(members).hasSize(3);
        for (List<String> order : permutations(List.of(members))) {
            assertThat(decode(Payloads.PLAIN, "{" + String.join(",", order) + "}")).as("%s", order).isEqualTo(MATRIX);
        }
    }

    @Test
    void decodesNonFiniteStringsForEveryFloatDtype() {
        for (DType dtype : List.of(DType.FLOAT16, DType.BFLOAT16, DType.FLOAT32, DType.FLOAT64)) {
            Tensor tensor =
                    decode("{'dtype': '" + dtype + "', 'shape': [3], 'data': ['NaN', 'Infinity', '-Infinity']}");
            assertThat(encode(tensor, Codec.JSON)).as("%s", dtype).endsWith(json("['NaN','Infinity','-Infinity']}"));
        }
    }

    @Test
    void decodesBareNonFiniteTokensWhenTheParserAllowsThem() {
        for (DType dtype : List.of(DType.FLOAT16, DType.BFLOAT16, DType.FLOAT32, DType.FLOAT64)) {
            String payload = json("{'dtype': '" + dtype + "', 'shape': [3], 'data': [NaN, Infinity, -Infinity]}");
            Tensor tensor = decode(Payloads.NON_NUMERIC, payload);
            assertThat(encode(tensor, Codec.JSON)).as("%s", dtype).endsWith(json("['NaN','Infinity','-Infinity']}"));
        }
        // Still only for float dtypes.
        assertThatThrownBy(() -> decode(Payloads.NON_NUMERIC, json("{'dtype': 'int32', 'shape': [1], 'data': [NaN]}")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("data[0] is NaN, expected an int32 integer");
    }

    @Test
    void decodesEveryNaNAsTheCanonicalNaN() {
        Tensor tensor = decode("{'dtype': 'float32', 'shape': [1], 'data': ['NaN']}");
        assertThat(tensor.data().getInt(0)).isEqualTo(0x7fc0_0000);
        Tensor halves = decode("{'dtype': 'float16', 'shape': [1], 'data': ['NaN']}");
        assertThat(halves.data().getShort(0)).isEqualTo((short) 0x7e00);
    }

    /**
     * 1.00000017881393432617187499 lies just below the midpoint between two floats; read as a double it rounds
     * onto the midpoint, and then to the even float. float32 must be read from the text directly.
     */
    @Test
    void decodesFloat32FromTheDecimalTextWithOneRounding() {
        for (var factory : List.of(Payloads.PLAIN, Payloads.FAST)) {
            Tensor tensor = decode(factory, json("{'dtype': 'float32', 'shape': [1], "
                    + "'data': [1.00000017881393432617187499]}"));
            assertThat(Integer.toHexString(tensor.data().getInt(0))).isEqualTo("3f800001");
        }
    }

    @Test
    void decodesFloat16WithOneCorrectRounding() {
        // 1 + 2^-11 is a tie (to the even 0x3C00); a hair above it belongs to 0x3C01, although as a float it
        // would land exactly on the tie.
        assertThat(float16Of("1.00048828125")).isEqualTo((short) 0x3c00);
        assertThat(float16Of("1.000488281250001")).isEqualTo((short) 0x3c01);
        assertThat(float16Of("65519")).isEqualTo((short) 0x7bff);
        assertThat(float16Of("5.960464477539063e-8")).isEqualTo((short) 0x0001);
    }

    private static short float16Of(String number) {
        return decode("{'dtype': 'float16', 'shape': [1], 'data': [" + number + "]}").data().getShort(0);
    }

    @Test
    void decodesIntegerTokensForFloatDtypesAndTooSmallValuesAsZero() {
        assertThat(decode("{'dtype': 'float32', 'shape': [3], 'data': [1, 16777217, 1e-50]}").toFloatArray())
                .containsExactly(1f, 16777216f, 0f);
        assertThat(decode("{'dtype': 'float64', 'shape': [2], 'data': [9007199254740993, -1e-400]}").toDoubleArray())
                .containsExactly(9007199254740992.0, -0.0);
    }

    @Test
    void decodesTheFullRangeOfEachIntegerDtype() {
        assertThat(decode("{'dtype': 'uint8', 'shape': [2], 'data': [0, 255]}").toByteArray())
                .containsExactly(0, 0xff);
        assertThat(decode("{'dtype': 'int8', 'shape': [2], 'data': [-128, 127]}").toByteArray())
                .containsExactly(0x80, 0x7f);
        assertThat(decode("{'dtype': 'int16', 'shape': [2], 'data': [-32768, 32767]}").toByteArray())
                .containsExactly(0x00, 0x80, 0xff, 0x7f);
        assertThat(decode("{'dtype': 'int32', 'shape': [2], 'data': [-2147483648, 2147483647]}").toIntArray())
                .containsExactly(Integer.MIN_VALUE, Integer.MAX_VALUE);
        assertThat(decode("{'dtype': 'int64', 'shape': [3], 'data': [-9223372036854775808, 9223372036854775807, 5]}")
                .toLongArray()).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE, 5);
    }

    @Test
    void leavesTheParserOnTheEndOfThePayload() throws IOException {
        String text = json("[{'data': [1], 'dtype': 'uint8', 'shape': [1]}, {'dtype': 'uint8', 'shape': [1], "
                + "'data': [2]}, 7]");
        try (JsonParser parser = Payloads.PLAIN.createParser(text)) {
            assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            parser.nextToken();
            TensorCodec.decode(parser, "a");
            assertThat(parser.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            parser.nextToken();
            TensorCodec.decode(parser, "b");
            assertThat(parser.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(parser.nextToken()).isEqualTo(JsonToken.VALUE_NUMBER_INT);
            assertThat(parser.getIntValue()).isEqualTo(7);
        }
    }

    @Test
    void advancesAFreshParserToItsFirstToken() throws IOException {
        try (JsonParser parser = Payloads.PLAIN.createParser(encode(MATRIX, Codec.JSON))) {
            assertThat(TensorCodec.decode(parser, "x")).isEqualTo(MATRIX);
        }
    }

    @Test
    void decodesNamedPayloadsInOrderOfAppearance() {
        Map<String, Tensor> tensors = decodeNamed("{'b': {'dtype': 'uint8', 'shape': [1], 'data': [1]}, "
                + "'a': {'dtype': 'float32', 'shape': [2, 3], 'base64': 'AACAPwAAAEAAAEBAAACAQAAAoEAAAMBA'}}");
        assertThat(tensors.keySet()).containsExactly("b", "a");
        assertThat(tensors.get("a")).isEqualTo(MATRIX);
        assertThatThrownBy(() -> tensors.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(decodeNamed("{}")).isEmpty();
    }

    /**
     * model.yaml warmup samples are decoded from a YAML tree. Non-finite values are the same strings as in JSON:
     * Jackson's YAML parser (2.23) fails on YAML's own {@code .nan} and {@code .inf} before the codec sees them.
     */
    @Test
    void decodesFromATreeTraversingParserOverYaml() throws IOException {
        String yaml = String.join("\n",
                "image:",
                "  dtype: float32",
                "  shape: [2, 2]",
                "  data:",
                "    - [0.5, NaN]",
                "    - ['-Infinity', 3]",
                "mask:",
                "  shape: [2]",
                "  dtype: bool",
                "  data: [true, false]",
                "ids:",
                "  dtype: int64",
                "  shape: [2]",
                "  base64: AQAAAAAAAAACAAAAAAAAAA==",
                "");
        JsonNode tree = new YAMLMapper().readTree(yaml);
        try (JsonParser parser = tree.traverse()) {
            Map<String, Tensor> tensors = TensorCodec.decodeNamed(parser);
            assertThat(tensors.get("image").toFloatArray())
                    .containsExactly(0.5f, Float.NaN, Float.NEGATIVE_INFINITY, 3f);
            assertThat(tensors.get("mask")).isEqualTo(Tensor.ofBooleans(Shape.of(2), true, false));
            assertThat(tensors.get("ids")).isEqualTo(Tensor.ofLongs(Shape.of(2), 1, 2));
        }
        JsonNode tooBig = new YAMLMapper().readTree("{dtype: float32, shape: [1], data: [1.0e39]}");
        try (JsonParser parser = tooBig.traverse()) {
            assertThatThrownBy(() -> TensorCodec.decode(parser, "x"))
                    .hasMessageContaining("data[0] is 1.0E39, out of float32 range");
        }
    }

    @Test
    void decodesFromATokenBuffer() throws IOException {
        TokenBuffer buffer = new TokenBuffer(null, false);
        TensorCodec.encode(buffer, MATRIX, Codec.JSON);
        try (JsonParser parser = buffer.asParserOnFirstToken()) {
            assertThat(TensorCodec.decode(parser, "x")).isEqualTo(MATRIX);
        }
    }

    /** Every float16 and bfloat16 bit pattern survives JSON (NaNs as the canonical NaN). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void everySixteenBitPatternRoundTripsThroughJson(DType dtype) {
        ByteBuffer bytes = ByteBuffer.allocate(2 << 16).order(ByteOrder.LITTLE_ENDIAN);
        IntStream.range(0, 1 << 16).forEach(bits -> bytes.putShort((short) bits));
        Tensor all = Tensor.of(dtype, Shape.of(256, 256), bytes.array());
        for (var factory : List.of(Payloads.PLAIN, Payloads.FAST)) {
            assertThat(decode(factory, encode(factory, all, Codec.JSON))).isEqualTo(withCanonicalNaNs(all));
        }
    }

    // --- memory ---

    /** Larger than what is allocated up front, so decoding must grow its buffer without losing a byte. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"UINT8", "INT16", "FLOAT32", "FLOAT64"})
    void decodesTensorsLargerThanTheEagerAllocation(DType dtype) {
        Shape shape = Shape.of(3, ElementBuffer.EAGER_BYTES / dtype.itemSize() / 2 + 7);
        byte[] bytes = new byte[Tensor.checkedByteSize(dtype, shape)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8)); // no NaNs: the exponent bytes never reach all ones together
        }
        Tensor tensor = withCanonicalNaNs(Tensor.of(dtype, shape, bytes));
        assertThat(decode(Payloads.FAST, encode(tensor, Codec.JSON))).isEqualTo(tensor);
    }

    /** A 1.6 GB shape under the size limit, with three numbers, must cost about what three numbers cost. */
    @Test
    void aHugeShapeWithLittleDataAllocatesLittle() {
        long allocated = allocatedBytesWhile(() -> assertThatThrownBy(
                () -> decode("{'dtype': 'float32', 'shape': [400000000], 'data': [1, 2, 3]}"))
                .hasMessageContaining("data has 3 elements, expected 400000000"));
        assertThat(allocated).isLessThan(8L << 20);

        long allocatedBase64 = allocatedBytesWhile(() -> assertThatThrownBy(
                () -> decode("{'dtype': 'float32', 'shape': [400000000], 'base64': 'AACAPw=='}"))
                .hasMessageContaining("base64 decodes to 4 bytes, expected 1600000000"));
        assertThat(allocatedBase64).isLessThan(8L << 20);
    }

    @Test
    void aHugeShapeWithSomeDataAllocatesInProportionToTheData() {
        StringBuilder payload = new StringBuilder("{'dtype': 'float32', 'shape': [400000000], 'data': [0");
        for (int i = 1; i < 1_000_000; i++) {
            payload.append(",0");
        }
        String text = json(payload.append("]}").toString()); // 2 MB of text, 4 MB of floats
        long allocated = allocatedBytesWhile(() -> assertThatThrownBy(() -> decode(Payloads.PLAIN, text))
                .hasMessageContaining("data has 1000000 elements, expected 400000000"));
        assertThat(allocated).isLessThan(64L << 20);
    }

    /**
     * Decoding from the input bytes never copies the string into the parser's character buffer (two bytes per
     * character): what it allocates is about the tensor itself, whether the parser reads a whole array or a slice.
     */
    @Test
    void base64DecodedFromTheInputBytesAllocatesAboutTheTensorOnly() throws IOException {
        Tensor tensor = Tensor.of(DType.UINT8, Shape.of(1 << 20), new byte[1 << 20]);
        byte[] payload = encode(tensor, Codec.BASE64).getBytes(StandardCharsets.UTF_8);
        byte[] inBody = new byte[payload.length + 2];
        System.arraycopy(payload, 0, inBody, 1, payload.length);
        for (JsonParser parser : List.of(Payloads.SOURCE.createParser(payload),
                Payloads.SOURCE.createParser(inBody, 1, payload.length))) {
            try (parser) {
                parser.nextToken();
                long allocated = allocatedBytesWhile(() -> {
                    try {
                        assertThat(TensorCodec.decode(parser, "x")).isEqualTo(tensor);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                assertThat(allocated).as("through the parser's buffer it would be about 3.7 MB")
                        .isLessThan((1 << 20) + (256 << 10));
            }
        }
    }

    private static long allocatedBytesWhile(Runnable action) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private static <T> List<List<T>> permutations(List<T> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T first = rest.remove(i);
            for (List<T> tail : permutations(rest)) {
                List<T> order = new ArrayList<>();
                order.add(first);
                order.addAll(tail);
                out.add(order);
            }
        }
        return out;
    }
}
