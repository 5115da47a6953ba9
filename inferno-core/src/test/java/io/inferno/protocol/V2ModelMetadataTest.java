package io.inferno.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.ModelDescription;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class V2ModelMetadataTest {
    @Test
    void symbolicAndAnySizeDimensionsAreMinusOneAndFixedOnesTheirSize() {
        Signature s = new Signature(
                List.of(TensorSpec.of("tokens", DType.INT64, Dim.BATCH, Dim.symbolic("seq")),
                        TensorSpec.of("image", DType.UINT8, Dim.BATCH, Dim.fixed(3), Dim.ANY)),
                List.of(TensorSpec.of("probs", DType.FLOAT16, Dim.BATCH, Dim.fixed(4))));
        ModelDescription d = new ModelDescription("clf", 2, "torchscript", s, BatchingConfig.DEFAULTS, 1, Codec.JSON);

        V2ModelMetadata m = V2ModelMetadata.of(d, List.of(1L, 2L));

        assertThat(m.name()).isEqualTo("clf");
        assertThat(m.versions()).containsExactly("1", "2");
        assertThat(m.platform()).isEqualTo("pytorch_torchscript");
        assertThat(m.inputs()).containsExactly(
                new V2ModelMetadata.TensorMetadata("tokens", V2Datatype.INT64, List.of(-1L, -1L)),
                new V2ModelMetadata.TensorMetadata("image", V2Datatype.UINT8, List.of(-1L, 3L, -1L)));
        assertThat(m.outputs()).containsExactly(
                new V2ModelMetadata.TensorMetadata("probs", V2Datatype.FP16, List.of(-1L, 4L)));
    }

    @ParameterizedTest
    @CsvSource({"torchscript, pytorch_torchscript", "onnx, onnx_onnxv1", "java, inferno_java", "tf, inferno_tf"})
    void platformsAreTheSpecificationsNamesOrInfernosOwn(String format, String platform) {
        assertThat(V2ModelMetadata.platform(format)).isEqualTo(platform);
    }
}
