package io.inferno.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Golden outputs: dtype and shape exactly, floats within the tolerance, integers and bools exactly. */
class OutputComparisonTest {
    private static final Tolerance TOLERANCE = new Tolerance(1e-3, 1e-2);

    private static Tensor floats(float... v) {
        return Tensor.ofFloats(Shape.of(2, v.length / 2), v);
    }

    private static Tensor halves(short... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : bits) {
            b.putShort(s);
        }
        return Tensor.wrap(DType.FLOAT16, Shape.of(bits.length), b.flip());
    }

    static Stream<Arguments> cases() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        return Stream.of(
                Arguments.of("equal floats", floats(1, 2), floats(1, 2), null),
                // allowed: 1e-3 + 1e-2 * 100 = 1.001
                Arguments.of("within absolute + relative", floats(100, 0), floats(101, 0.0009f), null),
                Arguments.of("beyond: the worst element is named", floats(100, 0, 5, 1), floats(102, 0.5f, 5, 1),
                        "output 'y' differs in 2 of 4 elements beyond the tolerance (absolute 0.001, relative 0.01);"
                                + " the worst is at [0, 1]: got 0.5, expected 0.0"),
                Arguments.of("NaN matches NaN", floats(nan, 1), floats(nan, 1), null),
                Arguments.of("NaN does not match a number", floats(nan, 1), floats(0, 1),
                        "output 'y' differs in 1 of 2 elements"),
                Arguments.of("infinity only matches itself", floats(inf, 1), floats(Float.MAX_VALUE, 1),
                        "the worst is at [0, 0]: got 3.4028234663852886E38, expected Infinity"),
                Arguments.of("integers exactly", Tensor.ofLongs(Shape.of(2, 2), 1, 2, 3, 4),
                        Tensor.ofLongs(Shape.of(2, 2), 1, 2, 3, 5),
                        "output 'y' differs in 1 of 4 elements (int64 is compared exactly); the first is at [1, 1]:"
                                + " got 5, expected 4"),
                Arguments.of("bools exactly", Tensor.ofBooleans(Shape.of(2), true, false),
                        Tensor.ofBooleans(Shape.of(2), true, true), "got true, expected false"),
                Arguments.of("float16 widened", halves((short) 0x3c00), halves((short) 0x3c01), null),
                Arguments.of("float16 beyond", halves((short) 0x3c00), halves((short) 0x4000),
                        "got 2.0, expected 1.0"),
                Arguments.of("dtype", floats(1, 2), Tensor.ofDoubles(Shape.of(2, 1), 1, 2),
                        "output 'y' has dtype float64; expected float32"),
                Arguments.of("shape", floats(1, 2), Tensor.ofFloats(Shape.of(1, 2), 1, 2),
                        "output 'y' has shape [1, 2]; expected [2, 1]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void compares(String what, Tensor expected, Tensor actual, String problem) {
        Optional<String> found = OutputComparison.compare("y", expected, actual, TOLERANCE);

        if (problem == null) {
            assertThat(found).isEmpty();
        } else {
            assertThat(found).hasValueSatisfying(p -> assertThat(p).contains(problem));
        }
    }

    @Test
    void exactToleranceRefusesTheLeastDifference() {
        assertThat(OutputComparison.compare("y", floats(1, 2), floats(1, Math.nextUp(2f)), Tolerance.EXACT))
                .isPresent();
    }

    @Test
    void aNegativeOrNonFiniteToleranceIsRefused() {
        for (double bad : new double[] {-1e-9, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new Tolerance(bad, 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute tolerance");
        }
    }
}
