package io.inferno.codec;

import static io.inferno.codec.Payloads.decode;
import static io.inferno.codec.Payloads.decodeFromSource;
import static io.inferno.codec.Payloads.decodeNamed;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.InvalidInputException;
import io.inferno.tensor.DType;
import java.util.Collections;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a payload is rejected, one table per concern: the payload (single quotes stand for double quotes)
 * and a fragment of the message, which must also name the input ({@code input 'x': }).
 */
class TensorCodecRejectionTest {

    /** One row: a payload and what its rejection must say. */
    record Case(String payload, String fragment) {
        @Override
        public String toString() {
            return payload.length() <= 90 ? payload : payload.substring(0, 90) + "...";
        }
    }

    private static Case reject(String payload, String fragment) {
        return new Case(payload, fragment);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"structure", "dtypes", "shapes", "sizes", "nesting", "values", "base64", "outOfOrder"})
    void rejectsWithAMessageSayingWhatAndWhere(Case c) {
        assertThatThrownBy(() -> decode(c.payload()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("input 'x': ")
                .hasMessageContaining(c.fragment());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("base64")
    void rejectsBase64TheSameWhenDecodingStraightFromTheInputBytes(Case c) {
        assertThatThrownBy(() -> decodeFromSource(c.payload()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("input 'x': ")
                .hasMessageContaining(c.fragment());
    }

    static Stream<Case> structure() {
        String expectedObject = ", expected an object with keys dtype, shape and data or base64";
        return Stream.of(
                reject("[1, 2]", "payload is a list" + expectedObject),
                reject("'abc'", "payload is \"abc\"" + expectedObject),
                reject("5", "payload is 5" + expectedObject),
                reject("null", "payload is null" + expectedObject),
                reject("{'dtype': 'float32', 'shape': [1], 'data': [1], 'extra': 1}",
                        "unknown key 'extra'; expected dtype, shape, data or base64"),
                reject("{'Dtype': 'float32', 'shape': [1], 'data': [1]}", "unknown key 'Dtype'"),
                reject("{'dtype': 'float32', 'dtype': 'float32', 'shape': [1], 'data': [1]}",
                        "duplicate key 'dtype'"),
                reject("{'dtype': 'float32', 'shape': [1], 'shape': [1], 'data': [1]}", "duplicate key 'shape'"),
                reject("{'dtype': 'float32', 'shape': [1], 'data': [1], 'data': [1]}", "duplicate key 'data'"),
                reject("{'dtype': 'uint8', 'shape': [1], 'base64': 'AA==', 'base64': 'AA=='}",
                        "duplicate key 'base64'"),
                reject("{'shape': [1], 'data': [1]}", "missing dtype"),
                reject("{'dtype': 'float32', 'data': [1]}", "missing shape"),
                reject("{'dtype': 'float32', 'shape': [1]}", "has neither data nor base64; give exactly one"),
                // Everything missing is reported at once.
                reject("{}", "missing dtype; input 'x': missing shape; input 'x': has neither data nor base64"),
                reject("{'dtype': 'uint8', 'shape': [1], 'data': [1], 'base64': 'AA=='}",
                        "has both data and base64; give exactly one"),
                reject("{'dtype': 'uint8', 'shape': [1], 'base64': 'AA==', 'data': [1]}",
                        "has both data and base64; give exactly one"),
                reject("{'base64': 'AA==', 'data': [1], 'dtype': 'uint8', 'shape': [1]}",
                        "has both data and base64; give exactly one"));
    }

    static Stream<Case> dtypes() {
        String supported = "supported: " + DType.supportedNames();
        return Stream.of(
                reject("{'dtype': 'float8', 'shape': [1], 'data': [1]}", "unsupported dtype 'float8'; " + supported),
                reject("{'dtype': 'FLOAT32', 'shape': [1], 'data': [1]}", "unsupported dtype 'FLOAT32'"),
                reject("{'dtype': '', 'shape': [1], 'data': [1]}", "unsupported dtype ''"),
                reject("{'dtype': 5, 'shape': [1], 'data': [1]}", "dtype is 5, expected a string, one of: "
                        + DType.supportedNames()),
                reject("{'dtype': null, 'shape': [1], 'data': [1]}", "dtype is null, expected a string"),
                reject("{'dtype': ['float32'], 'shape': [1], 'data': [1]}", "dtype is a list, expected a string"));
    }

    static Stream<Case> shapes() {
        String rank65 = String.join(", ", Collections.nCopies(65, "1"));
        return Stream.of(
                reject("{'dtype': 'float32', 'shape': 3, 'data': [1]}",
                        "shape is 3, expected a list of non-negative integers"),
                reject("{'dtype': 'float32', 'shape': {'0': 3}, 'data': [1]}",
                        "shape is an object, expected a list of non-negative integers"),
                reject("{'dtype': 'float32', 'shape': '[3]', 'data': [1]}", "shape is \"[3]\", expected a list"),
                reject("{'dtype': 'float32', 'shape': [2, -1], 'data': [1]}",
                        "shape[1] is -1, expected a non-negative integer"),
                reject("{'dtype': 'float32', 'shape': [1.5], 'data': [1]}",
                        "shape[0] is 1.5, expected a non-negative integer"),
                reject("{'dtype': 'float32', 'shape': [2.0], 'data': [1, 2]}",
                        "shape[0] is 2.0, expected a non-negative integer"),
                reject("{'dtype': 'float32', 'shape': ['2'], 'data': [1]}",
                        "shape[0] is \"2\", expected a non-negative integer"),
                reject("{'dtype': 'float32', 'shape': [null], 'data': [1]}", "shape[0] is null"),
                reject("{'dtype': 'float32', 'shape': [[2]], 'data': [1]}", "shape[0] is a list"),
                reject("{'dtype': 'float32', 'shape': [99999999999999999999], 'data': [1]}",
                        "shape[0] is 99999999999999999999, expected a non-negative integer"),
                reject("{'dtype': 'float32', 'shape': [" + rank65 + "], 'base64': 'AAAAAA=='}",
                        "shape has more than 64 dimensions"));
    }

    /** Shapes too large to hold are rejected from dtype and shape alone, before any data is looked at. */
    static Stream<Case> sizes() {
        return Stream.of(
                reject("{'dtype': 'float32', 'shape': [100000000000], 'data': [1]}",
                        "a float32 tensor of shape [100000000000] would take 400000000000 bytes, "
                                + "more than the limit of 2147483639 bytes"),
                reject("{'dtype': 'int64', 'shape': [268435456], 'base64': ''}",
                        "an int64 tensor of shape [268435456] would take 2147483648 bytes"),
                reject("{'shape': [4294967296, 4294967296, 4294967296], 'dtype': 'uint8', 'data': []}",
                        "shape [4294967296, 4294967296, 4294967296] has more elements than a long can count"),
                reject("{'shape': [0, 4294967296, 4294967296], 'dtype': 'uint8', 'data': []}",
                        "more elements than a long can count"),
                // Caught when dtype arrives, before the data that follows it is read.
                reject("{'shape': [300000000], 'dtype': 'float64', 'data': [1, 'not even a number']}",
                        "a float64 tensor of shape [300000000] would take 2400000000 bytes"));
    }

    static Stream<Case> nesting() {
        return Stream.of(
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3], [4, 5]]}",
                        "data[1] has 2 elements, expected 3 (shape [2, 3])"),
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3], [4, 5, 6, 7]]}",
                        "data[1] has more than 3 elements (shape [2, 3])"),
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3], 4]}",
                        "data[1] is 4, expected a list of 3 elements (shape [2, 3])"),
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3], [4, 5, [6]]]}",
                        "data[1][2] is a list, expected a float32 number"),
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [1, 2, 3, 4, 5, 6]}",
                        "data[0] is 1, expected a list of 3 elements (shape [2, 3])"),
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3]]}",
                        "data has 1 element, expected 2 (shape [2, 3])"),
                reject("{'dtype': 'float32', 'shape': [2, 3], 'data': [[1, 2, 3], [4, 5, 6], [7, 8, 9]]}",
                        "data has more than 2 elements (shape [2, 3])"),
                reject("{'dtype': 'float32', 'shape': [2, 2, 2], 'data': [[[1, 2], [3, 4]], [[5, 6], [7]]]}",
                        "data[1][1] has 1 element, expected 2 (shape [2, 2, 2])"),
                reject("{'dtype': 'float32', 'shape': [2, 2, 2], 'data': [[[1, 2], [3, 4]], [[5, 6]]]}",
                        "data[1] has 1 element, expected 2 (shape [2, 2, 2])"),
                reject("{'dtype': 'float32', 'shape': [2, 1, 1], 'data': [[[1]], [[2], [3]]]}",
                        "data[1] has more than 1 element (shape [2, 1, 1])"),
                reject("{'dtype': 'float32', 'shape': [], 'data': [1]}", "data is a list, expected a float32 number"),
                reject("{'dtype': 'float32', 'shape': [2], 'data': 5}",
                        "data is 5, expected a list of 2 elements (shape [2])"),
                reject("{'dtype': 'float32', 'shape': [2], 'data': [[1], [2]]}",
                        "data[0] is a list, expected a float32 number"),
                reject("{'dtype': 'float32', 'shape': [2], 'data': {'0': 1}}",
                        "data is an object, expected a list of 2 elements"),
                reject("{'dtype': 'float32', 'shape': [2], 'data': null}", "data is null, expected a list of 2"),
                reject("{'dtype': 'float32', 'shape': [3], 'data': []}", "data has 0 elements, expected 3"),
                reject("{'dtype': 'float32', 'shape': [0], 'data': [1]}", "data has more than 0 elements"),
                reject("{'dtype': 'float32', 'shape': [2, 0], 'data': [[], [1]]}",
                        "data[1] has more than 0 elements (shape [2, 0])"),
                reject("{'dtype': 'float32', 'shape': [0, 2], 'data': [[]]}",
                        "data has more than 0 elements (shape [0, 2])"));
    }

    static Stream<Case> values() {
        String floatKinds = "expected a float32 number or one of \"NaN\", \"Infinity\" or \"-Infinity\"";
        return Stream.of(
                reject(payload("int64", "[1.5]"), "data[0] is 1.5, expected an int64 integer"),
                reject(payload("int64", "[1e30]"), "data[0] is 1e30, expected an int64 integer"),
                reject(payload("int64", "[9223372036854775808]"), "data[0] is 9223372036854775808, out of int64 "
                        + "range [-9223372036854775808, 9223372036854775807]"),
                reject(payload("int64", "[-9223372036854775809]"), "out of int64 range"),
                reject(payload("uint8", "[0, 300]"), "data[1] is 300, out of uint8 range [0, 255]"),
                reject(payload("uint8", "[-1]"), "data[0] is -1, out of uint8 range [0, 255]"),
                reject(payload("int8", "[128]"), "data[0] is 128, out of int8 range [-128, 127]"),
                reject(payload("int8", "[-129]"), "out of int8 range [-128, 127]"),
                reject(payload("int16", "[40000]"), "data[0] is 40000, out of int16 range [-32768, 32767]"),
                reject(payload("int32", "[2147483648]"),
                        "data[0] is 2147483648, out of int32 range [-2147483648, 2147483647]"),
                reject(payload("int32", "[99999999999999999999999]"), "out of int32 range"),
                reject(payload("int32", "[2.0]"), "data[0] is 2.0, expected an int32 integer"),
                reject(payload("uint8", "[true]"), "data[0] is true, expected a uint8 integer"),
                reject(payload("int16", "['NaN']"), "data[0] is \"NaN\", expected an int16 integer"),
                reject(payload("int32", "['7']"), "data[0] is \"7\", expected an int32 integer"),
                reject(payload("float32", "[true]"), "data[0] is true, " + floatKinds),
                reject(payload("float32", "['abc']"), "data[0] is \"abc\", " + floatKinds),
                reject(payload("float32", "['nan']"), "data[0] is \"nan\", " + floatKinds),
                reject(payload("float32", "['1.5']"), "data[0] is \"1.5\", " + floatKinds),
                reject(payload("float32", "[null]"), "data[0] is null, " + floatKinds),
                reject(payload("float32", "[{}]"), "data[0] is an object, " + floatKinds),
                reject(payload("float32", "[1e39]"),
                        "data[0] is 1e39, out of float32 range (largest finite magnitude 3.4028235E38)"),
                reject(payload("float32", "[-3.5e38]"), "data[0] is -3.5e38, out of float32 range"),
                reject(payload("float32", "[1" + "0".repeat(40) + "]"), "out of float32 range"),
                reject(payload("float64", "[1e400]"),
                        "data[0] is 1e400, out of float64 range (largest finite magnitude 1.7976931348623157E308)"),
                reject(payload("float16", "[65520]"),
                        "data[0] is 65520, out of float16 range (largest finite magnitude 65504)"),
                reject(payload("float16", "[-1e39]"), "data[0] is -1e39, out of float16 range"),
                reject(payload("bfloat16", "[3.4e38]"),
                        "data[0] is 3.4e38, out of bfloat16 range (largest finite magnitude 3.3895314E38)"),
                reject(payload("float16", "[false]"), "data[0] is false, expected a float16 number"),
                reject(payload("bool", "[1]"), "data[0] is 1, expected true or false"),
                reject(payload("bool", "['true']"), "data[0] is \"true\", expected true or false"),
                reject(payload("bool", "[null]"), "data[0] is null, expected true or false"),
                reject("{'dtype': 'int8', 'shape': [], 'data': 1000}", "data is 1000, out of int8 range"),
                // Quoted text is cut, so a hostile payload cannot bloat the error.
                reject(payload("float32", "['" + "a".repeat(100) + "']"),
                        "data[0] is \"" + "a".repeat(40) + "...\", expected"));
    }

    static Stream<Case> base64() {
        return Stream.of(
                reject("{'dtype': 'float32', 'shape': [2], 'base64': 'AAAA'}",
                        "base64 decodes to 3 bytes, expected 8 (2 float32 elements of 4 bytes, shape [2])"),
                reject("{'dtype': 'float32', 'shape': [2], 'base64': 'AAAAAAAAAA=='}",
                        "base64 decodes to 7 bytes, expected 8"),
                reject("{'dtype': 'float32', 'shape': [400000000], 'base64': 'AAAAAA=='}",
                        "base64 decodes to 4 bytes, expected 1600000000 (400000000 float32 elements"),
                reject("{'dtype': 'int16', 'shape': [3], 'base64': 'AAAAAA'}",
                        "base64 is malformed: its length 6 is not a multiple of 4 (standard base64 with '=' padding)"),
                reject("{'dtype': 'int16', 'shape': [3], 'base64': 'AAAA*AAA'}",
                        "base64 is malformed: '*' at index 4 is not in the standard base64 alphabet"),
                reject("{'dtype': 'int16', 'shape': [3], 'base64': 'AAAA\\nAAA'}",
                        "base64 is malformed: U+000A at index 4 is not in the standard base64 alphabet"),
                reject("{'dtype': 'int16', 'shape': [3], 'base64': 'A-_AAAAA'}",
                        "base64 is malformed: '-' at index 1 is not in the standard base64 alphabet"),
                reject("{'dtype': 'int16', 'shape': [3], 'base64': 'AAA\u20acAAAA'}",
                        "base64 is malformed: U+20AC at index 3 is not in the standard base64 alphabet"),
                reject("{'dtype': 'int16', 'shape': [3], 'base64': 'AAAAAAA\u00e9'}",
                        "base64 is malformed: U+00E9 at index 7"),
                reject("{'dtype': 'uint8', 'shape': [2], 'base64': 'A=A='}",
                        "base64 is malformed: '=' at index 1 is not allowed before the end"),
                reject("{'dtype': 'uint8', 'shape': [1], 'base64': 'A==='}",
                        "base64 is malformed: '=' at index 1 is not allowed before the end"),
                reject("{'dtype': 'uint8', 'shape': [6], 'base64': 'AAAAAA=A'}",
                        "base64 is malformed: '=' at index 6 is not allowed before the end"),
                // The length fits the shape but the padding does not: the size is still reported exactly.
                reject("{'dtype': 'float32', 'shape': [1], 'base64': 'AAAAAAA='}",
                        "base64 decodes to 5 bytes, expected 4"),
                reject("{'dtype': 'uint8', 'shape': [5], 'base64': 'AAAAAA=='}",
                        "base64 decodes to 4 bytes, expected 5 (5 uint8 elements of 1 byte, shape [5])"),
                reject("{'dtype': 'uint8', 'shape': [1], 'base64': 5}", "base64 is 5, expected a string"),
                reject("{'dtype': 'uint8', 'shape': [1], 'base64': ['AA==']}", "base64 is a list, expected a string"),
                reject("{'dtype': 'bool', 'shape': [3], 'base64': 'AAEC'}",
                        "base64 bool element 2 is byte 2, expected 0 or 1"),
                reject("{'dtype': 'bool', 'shape': [1], 'base64': '/w=='}",
                        "base64 bool element 0 is byte 255, expected 0 or 1"));
    }

    /** Data that arrives before dtype and shape is buffered and checked just as strictly. */
    static Stream<Case> outOfOrder() {
        return Stream.of(
                reject("{'data': [[1, 2], [3]], 'shape': [2, 2], 'dtype': 'int32'}",
                        "data[1] has 1 element, expected 2 (shape [2, 2])"),
                reject("{'data': [1e39], 'dtype': 'float32', 'shape': [1]}", "data[0] is 1e39, out of float32 range"),
                reject("{'data': [2.0], 'dtype': 'int32', 'shape': [1]}", "data[0] is 2.0, expected an int32 integer"),
                reject("{'data': [1, 2, 3], 'dtype': 'float32', 'shape': [400000000]}",
                        "data has 3 elements, expected 400000000 (shape [400000000])"),
                reject("{'base64': 'AAAA', 'shape': [2], 'dtype': 'float32'}", "base64 decodes to 3 bytes, expected 8"),
                reject("{'data': [1], 'dtype': 'float8', 'shape': [1]}", "unsupported dtype 'float8'"),
                reject("{'data': [1], 'shape': [1]}", "missing dtype"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("named")
    void rejectsNamedPayloads(Case c) {
        assertThatThrownBy(() -> decodeNamed(c.payload()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(c.fragment());
    }

    static Stream<Case> named() {
        String good = "{'dtype': 'uint8', 'shape': [1], 'data': [1]}";
        return Stream.of(
                reject("[" + good + "]", "inputs are a list, expected an object of input name to tensor payload"),
                reject("{'a': " + good + ", 'a': " + good + "}", "input 'a' is given more than once"),
                reject("{'a': " + good + ", 'b': {'dtype': 'uint8', 'shape': [1], 'data': [256]}}",
                        "input 'b': data[0] is 256, out of uint8 range [0, 255]"),
                reject("{'a': 5}", "input 'a': payload is 5, expected an object"));
    }

    private static String payload(String dtype, String data) {
        int count = data.split(",").length;
        return "{'dtype': '" + dtype + "', 'shape': [" + count + "], 'data': " + data + "}";
    }
}
