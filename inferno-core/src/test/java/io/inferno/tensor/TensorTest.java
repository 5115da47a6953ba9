package io.inferno.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void unknownDtypeListsTheSupportedOnes() {
        assertThatThrownBy(() -> DType.forName("float8"))
                .hasMessage("unsupported dtype 'float8'; supported: bool, uint8, int8, int16, int32, int64, "
                        + "float16, bfloat16, float32, float64");
    }

    @Test
    void itemSizesMatchTheWireTypes() {
        assertThat(DType.BOOL.itemSize()).isEqualTo(1);
        assertThat(DType.BFLOAT16.itemSize()).isEqualTo(2);
        assertThat(DType.INT64.itemSize()).isEqualTo(8);
        assertThat(DType.forName("float16")).isEqualTo(DType.FLOAT16);
    }

    @Test
    void storesLittleEndianRowMajorBytes() {
        Tensor t = Tensor.ofInts(Shape.of(2), 1, 0x01020304);
        assertThat(t.toByteArray()).containsExactly(1, 0, 0, 0, 4, 3, 2, 1);
    }

    @Test
    void copiesCallerArraysSoTheTensorStaysImmutable() {
        byte[] bytes = {1, 2};
        Tensor t = Tensor.of(DType.UINT8, Shape.of(2), bytes);
        bytes[0] = 9;
        assertThat(t.toByteArray()).containsExactly(1, 2);
        assertThat(t.data().isReadOnly()).isTrue();
    }

    @Test
    void slicingRowsSharesTheBytes() {
        Tensor t = Tensor.ofFloats(Shape.of(3, 2), 1, 2, 3, 4, 5, 6);
        ByteBuffer backing = ByteBuffer.allocateDirect(24).order(ByteOrder.LITTLE_ENDIAN);
        backing.asFloatBuffer().put(new float[] {1, 2, 3, 4, 5, 6});
        Tensor direct = Tensor.wrap(DType.FLOAT32, Shape.of(3, 2), backing);

        Tensor middle = direct.sliceRows(1, 2);
        assertThat(middle.shape()).isEqualTo(Shape.of(1, 2));
        assertThat(middle.toFloatArray()).containsExactly(3, 4);
        // a write to the backing memory shows through the slice: it is a view, not a copy
        backing.putFloat(8, 42f);
        assertThat(middle.toFloatArray()).containsExactly(42, 4);
        assertThat(t.sliceRows(0, 3)).isSameAs(t);
        assertThat(t.sliceRows(3, 3).shape()).isEqualTo(Shape.of(0, 2));
    }

    @Test
    void slicingOutsideTheRowsFails() {
        Tensor t = Tensor.ofFloats(Shape.of(2, 1), 1, 2);
        assertThatThrownBy(() -> t.sliceRows(1, 3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("rows [1, 3) are outside a tensor of 2 rows");
    }

    @Test
    void concatenationJoinsRowsInOrder() {
        Tensor a = Tensor.ofLongs(Shape.of(1, 2), 1, 2);
        Tensor b = Tensor.ofLongs(Shape.of(2, 2), 3, 4, 5, 6);
        Tensor joined = Tensor.concatRows(List.of(a, b));
        assertThat(joined.shape()).isEqualTo(Shape.of(3, 2));
        assertThat(joined.toLongArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(joined.sliceRows(1, 3)).isEqualTo(b);
    }

    @Test
    void concatenationRefusesMismatchedParts() {
        Tensor a = Tensor.ofLongs(Shape.of(1, 2), 1, 2);
        assertThatThrownBy(() -> Tensor.concatRows(List.of(a, Tensor.ofLongs(Shape.of(1, 3), 1, 2, 3))))
                .hasMessage("cannot concatenate an int64 tensor of shape [1, 2] with an int64 tensor of shape [1, 3]");
        assertThatThrownBy(() -> Tensor.concatRows(List.of(a, Tensor.ofInts(Shape.of(1, 2), 1, 2))))
                .hasMessageContaining("int32");
    }

    @Test
    void rejectsByteSizesBeyondTheLimitBeforeAllocating() {
        assertThatThrownBy(() -> Tensor.checkedByteSize(DType.FLOAT64, Shape.of(1L << 31)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would take 17179869184 bytes");
        assertThatThrownBy(() -> Tensor.checkedByteSize(DType.FLOAT64, Shape.of(Long.MAX_VALUE / 2)))
                .hasMessageContaining("over " + Long.MAX_VALUE);
    }

    @Test
    void wrapChecksTheByteCount() {
        assertThatThrownBy(() -> Tensor.wrap(DType.INT32, Shape.of(2), ByteBuffer.allocate(7)))
                .hasMessage("an int32 tensor of shape [2] needs 8 bytes, got 7");
    }

    @Test
    void equalityIsByValue() {
        assertThat(Tensor.ofFloats(Shape.of(2), 1, 2)).isEqualTo(Tensor.ofFloats(Shape.of(2), 1, 2))
                .hasSameHashCodeAs(Tensor.ofFloats(Shape.of(2), 1, 2))
                .isNotEqualTo(Tensor.ofFloats(Shape.of(1, 2), 1, 2))
                .isNotEqualTo(Tensor.ofInts(Shape.of(2), 1, 2));
    }
}
