package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import io.inferno.ModelLoadException;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ElementSamples;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The dtype table, and every supported dtype through libtorch and back, on models written from source. */
class DTypesTest {
    private static final Set<DType> CROSSING = EnumSet.complementOf(EnumSet.of(DType.INT16, DType.BFLOAT16));

    @TempDir
    Path tmp;

    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of(DType.BOOL, DataType.BOOLEAN), Arguments.of(DType.UINT8, DataType.UINT8),
                Arguments.of(DType.INT8, DataType.INT8), Arguments.of(DType.INT32, DataType.INT32),
                Arguments.of(DType.INT64, DataType.INT64), Arguments.of(DType.FLOAT16, DataType.FLOAT16),
                Arguments.of(DType.FLOAT32, DataType.FLOAT32), Arguments.of(DType.FLOAT64, DataType.FLOAT64));
    }

    @ParameterizedTest(name = "{0} <-> {1}")
    @MethodSource("pairs")
    void eightDtypesMapOneToOne(DType dtype, DataType dataType) {
        assertThat(TorchTypes.toDjl(dtype)).contains(dataType);
        assertThat(TorchTypes.toInferno(dataType)).contains(dtype);
    }

    @Test
    void int16AndBfloat16DoNotCrossBecauseDjlWouldAbortTheProcess() {
        assertThat(TorchTypes.toDjl(DType.INT16)).isEmpty();
        assertThat(TorchTypes.toDjl(DType.BFLOAT16)).isEmpty();
        assertThat(TorchTypes.SUPPORTED).isEqualTo("bool, uint8, int8, int32, int64, float16, float32, float64");
    }

    @ParameterizedTest
    @EnumSource(names = {"COMPLEX64", "UNKNOWN", "STRING", "BFLOAT16", "INT16", "UINT16", "UINT32", "UINT64"})
    void djlTypesWithoutAnInfernoCounterpartAreRefused(DataType dataType) {
        assertThat(TorchTypes.toInferno(dataType)).isEmpty();
    }

    private TorchScriptModel identity(DType dtype) {
        Path dir = ScriptedModels.write(tmp.resolve(dtype + "/1"), "Identity", "x: Tensor", "Tensor", "return x");
        Signature signature = new Signature(List.of(TensorSpec.of("x", dtype, Dim.BATCH, Dim.fixed(3))),
                List.of(TensorSpec.of("y", dtype, Dim.BATCH, Dim.fixed(3))));
        return ScriptedModels.load(dir, signature);
    }

    static Stream<DType> crossing() {
        return CROSSING.stream();
    }

    @ParameterizedTest
    @MethodSource("crossing")
    void everySupportedDtypeComesBackBitForBitFromAnIdentityModel(DType dtype) throws Exception {
        Tensor x = ElementSamples.varied(dtype, 12);
        try (TorchScriptModel model = identity(dtype)) {
            assertThat(model.predict(Map.of("x", x)).get("y")).isEqualTo(x);
            Tensor empty = Tensor.wrap(dtype, Shape.of(0, 3), ByteBuffer.allocate(0));
            assertThat(model.predict(Map.of("x", empty)).get("y")).isEqualTo(empty);
        }
    }

    @Test
    void aDirectBufferInputIsCopiedSoTheModelCannotChangeTheCallersTensor() throws Exception {
        Path dir = ScriptedModels.write(tmp.resolve("inplace/1"), "InPlace", "x: Tensor", "Tensor",
                "return torch.mul_(x, 2)");
        Signature signature = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH)),
                List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));
        ByteBuffer direct = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).flip();
        Tensor x = Tensor.wrap(DType.FLOAT32, Shape.of(2), direct);
        try (TorchScriptModel model = ScriptedModels.load(dir, signature)) {
            assertThat(model.predict(Map.of("x", x)).get("y").toFloatArray()).containsExactly(2, 4);
            assertThat(x.toFloatArray()).containsExactly(1, 2);
        }
    }

    @Test
    void libtorchCastsComeBackAsTheMatchingDtypes() throws Exception {
        // torch.to(x, <ScalarType>): 11 bool, 0 uint8, 1 int8, 3 int32, 4 int64, 5 float16, 6 float32, 7 float64
        Path dir = ScriptedModels.write(tmp.resolve("casts/1"), "Casts", "x: Tensor", "Dict[str, Tensor]",
                "return {\"bool\": torch.to(x, 11), \"uint8\": torch.to(x, 0), \"int8\": torch.to(x, 1), "
                        + "\"int32\": torch.to(x, 3), \"int64\": torch.to(x, 4), \"float16\": torch.to(x, 5), "
                        + "\"float32\": torch.to(x, 6), \"float64\": torch.to(x, 7)}");
        List<TensorSpec> outputs = CROSSING.stream().map(d -> TensorSpec.of(d.wireName(), d, Dim.fixed(4))).toList();
        Signature signature = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.fixed(4))), outputs);
        try (TorchScriptModel model = ScriptedModels.load(dir, signature)) {
            Map<String, Tensor> out = model.predict(Map.of("x", Tensor.ofFloats(Shape.of(4), 0f, 1f, 2.5f, 100f)));

            assertThat(out.get("bool")).isEqualTo(Tensor.ofBooleans(Shape.of(4), false, true, true, true));
            assertThat(out.get("uint8").toByteArray()).containsExactly(0, 1, 2, 100);
            assertThat(out.get("int8").toByteArray()).containsExactly(0, 1, 2, 100);
            assertThat(out.get("int32").toIntArray()).containsExactly(0, 1, 2, 100);
            assertThat(out.get("int64").toLongArray()).containsExactly(0, 1, 2, 100);
            assertThat(ElementSamples.shorts(out.get("float16"))).containsExactly(0x0000, 0x3C00, 0x4100, 0x5640);
            assertThat(out.get("float32").toFloatArray()).containsExactly(0f, 1f, 2.5f, 100f);
            assertThat(out.get("float64").toDoubleArray()).containsExactly(0d, 1d, 2.5d, 100d);
            assertThat(out.values()).allSatisfy(t -> assertThat(t.dtype().wireName()).isIn(out.keySet()));
        }
    }

    @Test
    void anOutputDjlCannotIdentifyIsAClearErrorNotGarbage() throws Exception {
        // 2 = int16, which DJL 0.36 reads back as UNKNOWN
        Path dir = ScriptedModels.write(tmp.resolve("short/1"), "Short", "x: Tensor", "Tensor",
                "return torch.to(x, 2)");
        Signature signature = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.fixed(2))),
                List.of(TensorSpec.of("y", DType.INT32, Dim.fixed(2))));
        try (TorchScriptModel model = ScriptedModels.load(dir, signature)) {
            assertThatThrownBy(() -> model.predict(Map.of("x", Tensor.ofFloats(Shape.of(2), 1, 2))))
                    .isInstanceOf(TorchScriptException.class)
                    .hasMessage("output 'y' has a dtype DJL 0.36 cannot identify (int16, bfloat16 and uint16/32/64 "
                            + "all read as unknown); return one of bool, uint8, int8, int32, int64, float16, float32, "
                            + "float64 (for example with .to(torch.float32))");
        }
    }

    @Test
    void aSignatureWithBfloat16OutputsIsRefusedBeforeAnythingRuns() {
        Path dir = ScriptedModels.write(tmp.resolve("bf16/1"), "Identity", "x: Tensor", "Tensor", "return x");
        Signature signature = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.fixed(2))),
                List.of(TensorSpec.of("y", DType.BFLOAT16, Dim.fixed(2))));
        assertThatThrownBy(() -> ScriptedModels.load(dir, signature))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir.resolve("model.yaml") + ": output 'y' is bfloat16, which DJL 0.36's "
                        + "PyTorch engine cannot exchange with libtorch (supported: bool, uint8, int8, int32, int64, "
                        + "float16, float32, float64); declare a supported dtype and convert inside the model");
    }
}
