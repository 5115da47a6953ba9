package io.inferno.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.StringWriter;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TensorCodec#decodeData}: the Open Inference Protocol's {@code data}, nested as the shape says or one flat
 * row-major list, and {@link TensorCodec#encodeFlatData}.
 */
class FlatOrNestedDataTest {
    private static Tensor decode(String data, DType dtype, long... dims) throws IOException {
        try (JsonParser p = Payloads.PLAIN.createParser(data)) {
            return TensorCodec.decodeData(p, "x", dtype, Shape.of(dims));
        }
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("[[1, 2], [3, 4]]", new long[] {2, 2}),
                Arguments.of("[1, 2, 3, 4]", new long[] {2, 2}),
                Arguments.of("[[[1, 2]], [[3, 4]]]", new long[] {2, 1, 2}),
                Arguments.of("[1, 2, 3, 4]", new long[] {2, 1, 2}),
                Arguments.of("[1, 2, 3, 4]", new long[] {4}));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("accepted")
    void flatAndNestedGiveTheSameTensor(String data, long[] dims) throws IOException {
        Tensor t = decode(data, DType.FLOAT32, dims);
        assertThat(t.shape()).isEqualTo(Shape.of(dims));
        assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4);
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("[1, 2, 3]", "input 'x': data has 3 elements, expected 4 (shape [2, 2])"),
                Arguments.of("[1, 2, 3, 4, 5]", "input 'x': data has more than 4 elements (shape [2, 2])"),
                Arguments.of("[1, 2, [3], 4]", "input 'x': data[2] is a list, expected a float32 number"),
                Arguments.of("[[1, 2], 3, 4]", "input 'x': data[1] is 3, expected a list of 2 elements"),
                Arguments.of("[1, \"a\", 3, 4]", "input 'x': data[1] is \"a\", expected a float32 number"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void malformedDataIsRejectedWithWhereAndWhy(String data, String message) {
        assertThatThrownBy(() -> decode(data, DType.FLOAT32, 2, 2))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(message);
    }

    @Test
    void boolAndIntegerDataKeepTheirRanges() throws IOException {
        assertThat(decode("[true, false, true, true]", DType.BOOL, 2, 2).toByteArray()).containsExactly(1, 0, 1, 1);
        assertThatThrownBy(() -> decode("[1, 300]", DType.UINT8, 1, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("data[1] is 300, out of uint8 range [0, 255]");
    }

    @Test
    void encodesFlatRowMajorWithNonFiniteNames() throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = Payloads.PLAIN.createGenerator(out)) {
            TensorCodec.encodeFlatData(g, Tensor.ofFloats(Shape.of(2, 2), 1, 2.5f, Float.NaN, -3));
        }
        assertThat(out.toString()).isEqualTo("[1.0,2.5,\"NaN\",-3.0]");
    }
}
