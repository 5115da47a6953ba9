package io.inferno.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

class ShapeTest {

    @Test
    void countsElementsAndRows() {
        Shape s = Shape.of(2, 3, 4);
        assertThat(s.rank()).isEqualTo(3);
        assertThat(s.elementCount()).isEqualTo(24);
        assertThat(s.elementsPerRow()).isEqualTo(12);
        assertThat(s.withRows(5)).isEqualTo(Shape.of(5, 3, 4));
        assertThat(s.toString()).isEqualTo("[2, 3, 4]");
    }

    @Test
    void scalarHasOneElementAndNoRows() {
        assertThat(Shape.of().elementCount()).isEqualTo(1);
        assertThat(Shape.scalar().rank()).isZero();
        assertThatThrownBy(() -> Shape.scalar().elementsPerRow()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void doesNotAliasCallerArrays() {
        long[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 99;
        s.dims()[1] = 99;
        assertThat(s).isEqualTo(Shape.of(2, 3));
    }

    static Stream<Arguments> invalidShapes() {
        return Stream.of(
                Arguments.of(new long[] {2, -1}, "dimension 1 of shape [2, -1] is negative"),
                Arguments.of(new long[] {1L << 32, 1L << 32}, "more elements than a long can count"),
                // no elements, yet the row size alone overflows: rejected too
                Arguments.of(new long[] {0, 1L << 40, 1L << 40}, "more elements than a long can count"));
    }

    @ParameterizedTest
    @MethodSource("invalidShapes")
    void rejectsImpossibleShapes(long[] dims, String message) {
        assertThatThrownBy(() -> Shape.of(dims))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void sameTrailingDimsIgnoresOnlyDimensionZero() {
        assertThat(Shape.of(2, 3).sameTrailingDims(Shape.of(7, 3))).isTrue();
        assertThat(Shape.of(2, 3).sameTrailingDims(Shape.of(2, 4))).isFalse();
        assertThat(Shape.of(2, 3).sameTrailingDims(Shape.of(2, 3, 1))).isFalse();
    }
}
