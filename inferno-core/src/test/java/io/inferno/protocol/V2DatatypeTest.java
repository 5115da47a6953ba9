package io.inferno.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class V2DatatypeTest {
    @ParameterizedTest
    @CsvSource({"BOOL, bool", "UINT8, uint8", "INT8, int8", "INT16, int16", "INT32, int32", "INT64, int64",
        "FP16, float16", "BF16, bfloat16", "FP32, float32", "FP64, float64"})
    void eachSupportedDatatypeNamesOneDtypeBothWays(String datatype, String dtype) {
        assertThat(V2Datatype.dtypeOf(datatype)).isEqualTo(DType.forName(dtype));
        assertThat(V2Datatype.of(DType.forName(dtype)).name()).isEqualTo(datatype);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeHasADatatypeThatLeadsBackToIt(DType dtype) {
        assertThat(V2Datatype.of(dtype).dtype()).contains(dtype);
    }

    @ParameterizedTest
    @CsvSource({"UINT16, uint16", "UINT32, uint32", "UINT64, uint64"})
    void unsignedTypesWiderThanAByteAreRefusedAsNotSupportedYet(String datatype, String lower) {
        assertThat(V2Datatype.valueOf(datatype).dtype()).isEmpty();
        assertThatThrownBy(() -> V2Datatype.dtypeOf(datatype)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("datatype " + datatype + " is not supported yet (Inferno has no " + lower
                        + " tensors); supported: BOOL, UINT8, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64");
    }

    @Test
    void bytesIsRefusedUntilStringTensorsExist() {
        assertThatThrownBy(() -> V2Datatype.dtypeOf("BYTES"))
                .hasMessageStartingWith("datatype BYTES is not supported yet (Inferno has no string tensors)");
    }

    @Test
    void unknownNamesAreQuotedAsExcerptsAndNamesAreCaseSensitive() {
        assertThatThrownBy(() -> V2Datatype.dtypeOf("fp32")).hasMessageStartingWith("unknown datatype 'fp32';");
        assertThatThrownBy(() -> V2Datatype.dtypeOf(null)).hasMessageStartingWith("unknown datatype null;");
        assertThatThrownBy(() -> V2Datatype.dtypeOf("X".repeat(1000))).hasMessageContaining("(1000 chars)");
    }
}
