package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
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

/** The dtype table, and every dtype through ONNX Runtime and back, on graphs written by {@link OnnxGraphs}. */
class DTypesTest {
    @TempDir
    Path tmp;

    /**
     * Each Inferno dtype with its ONNX element type, the type's number in onnx.proto (what {@link OnnxGraphs} writes;
     * the Java API's enum numbers them differently) and the Java API's carrier.
     */
    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of(DType.BOOL, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, OnnxGraphs.BOOL,
                        OnnxJavaType.BOOL),
                Arguments.of(DType.UINT8, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, OnnxGraphs.UINT8,
                        OnnxJavaType.UINT8),
                Arguments.of(DType.INT8, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, OnnxGraphs.INT8,
                        OnnxJavaType.INT8),
                Arguments.of(DType.INT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, OnnxGraphs.INT16,
                        OnnxJavaType.INT16),
                Arguments.of(DType.INT32, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, OnnxGraphs.INT32,
                        OnnxJavaType.INT32),
                Arguments.of(DType.INT64, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, OnnxGraphs.INT64,
                        OnnxJavaType.INT64),
                Arguments.of(DType.FLOAT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, OnnxGraphs.FLOAT16,
                        OnnxJavaType.FLOAT16),
                Arguments.of(DType.BFLOAT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16,
                        OnnxGraphs.BFLOAT16, OnnxJavaType.BFLOAT16),
                Arguments.of(DType.FLOAT32, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, OnnxGraphs.FLOAT,
                        OnnxJavaType.FLOAT),
                Arguments.of(DType.FLOAT64, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, OnnxGraphs.DOUBLE,
                        OnnxJavaType.DOUBLE));
    }

    @ParameterizedTest(name = "{0} <-> {1}")
    @MethodSource("pairs")
    void everyInfernoDtypeMapsToOneOnnxTypeAndBack(DType dtype, OnnxTensorType onnx, int proto, OnnxJavaType java) {
        assertThat(OnnxTypes.toOnnx(dtype)).isEqualTo(onnx);
        assertThat(OnnxTypes.toInferno(onnx)).contains(dtype);
        assertThat(PROTO.get(dtype)).isEqualTo(proto);
        assertThat(OnnxTypes.javaType(dtype)).isEqualTo(java);
    }

    @ParameterizedTest
    @EnumSource(names = {"ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED", "ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16",
            "ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32", "ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64",
            "ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING", "ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64",
            "ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX128", "ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E4M3FN",
            "ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E4M3FNUZ", "ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E5M2",
            "ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E5M2FNUZ"})
    void onnxTypesWithoutAnInfernoDtypeAreRefused(OnnxTensorType type) {
        assertThat(OnnxTypes.toInferno(type)).isEmpty();
    }

    /** The onnx.proto number of each dtype's element type. */
    private static final Map<DType, Integer> PROTO = Map.of(DType.BOOL, OnnxGraphs.BOOL, DType.UINT8, OnnxGraphs.UINT8,
            DType.INT8, OnnxGraphs.INT8, DType.INT16, OnnxGraphs.INT16, DType.INT32, OnnxGraphs.INT32, DType.INT64,
            OnnxGraphs.INT64, DType.FLOAT16, OnnxGraphs.FLOAT16, DType.BFLOAT16, OnnxGraphs.BFLOAT16, DType.FLOAT32,
            OnnxGraphs.FLOAT, DType.FLOAT64, OnnxGraphs.DOUBLE);

    /** y = x, both of {@code dtype} in the graph: ONNX Runtime reads the graph's types, the signature must agree. */
    private OnnxModel identity(DType dtype) {
        int type = PROTO.get(dtype);
        Path dir = OnnxGraphs.graph().input("x", type, "batch", 3).output("y", type, "batch", 3)
                .node("Identity", List.of("x"), List.of("y")).write(tmp.resolve(dtype + "/1"));
        return OnnxGraphs.load(dir, new Signature(List.of(TensorSpec.of("x", dtype, Dim.BATCH, Dim.fixed(3))),
                List.of(TensorSpec.of("y", dtype, Dim.BATCH, Dim.fixed(3)))));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeComesBackBitForBitFromAnIdentityGraph(DType dtype) throws Exception {
        Tensor x = ElementSamples.varied(dtype, 12);
        try (OnnxModel model = identity(dtype)) {
            assertThat(model.predict(Map.of("x", x)).get("y")).isEqualTo(x);
            Tensor empty = Tensor.wrap(dtype, Shape.of(0, 3), ByteBuffer.allocate(0));
            assertThat(model.predict(Map.of("x", empty)).get("y")).isEqualTo(empty);
        }
    }

    @Test
    void aDirectBufferInputIsReadAsGiven() throws Exception {
        ByteBuffer direct = ByteBuffer.allocateDirect(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            direct.putFloat(i + 0.5f);
        }
        Tensor x = Tensor.wrap(DType.FLOAT32, Shape.of(2, 3), direct.flip());
        try (OnnxModel model = identity(DType.FLOAT32)) {
            assertThat(model.predict(Map.of("x", x)).get("y").toFloatArray())
                    .containsExactly(0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f);
        }
    }

    private static final Set<DType> CASTS = EnumSet.allOf(DType.class);

    @Test
    void onnxRuntimesCastsComeBackAsTheMatchingDtypes() throws Exception {
        OnnxGraphs graph = OnnxGraphs.graph().input("x", OnnxGraphs.FLOAT, 4);
        for (DType d : CASTS) {
            graph.output(d.wireName(), PROTO.get(d), 4).node("Cast", List.of("x"), List.of(d.wireName()), "to",
                    PROTO.get(d));
        }
        List<TensorSpec> outputs = CASTS.stream().map(d -> TensorSpec.of(d.wireName(), d, Dim.fixed(4))).toList();
        Signature signature = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.fixed(4))), outputs);
        try (OnnxModel model = OnnxGraphs.load(graph.write(tmp.resolve("casts/1")), signature)) {
            Map<String, Tensor> out = model.predict(Map.of("x", Tensor.ofFloats(Shape.of(4), 0f, 1f, 2.5f, 100f)));

            assertThat(out.get("bool")).isEqualTo(Tensor.ofBooleans(Shape.of(4), false, true, true, true));
            assertThat(out.get("uint8").toByteArray()).containsExactly(0, 1, 2, 100);
            assertThat(out.get("int8").toByteArray()).containsExactly(0, 1, 2, 100);
            assertThat(ElementSamples.shorts(out.get("int16"))).containsExactly(0, 1, 2, 100);
            assertThat(out.get("int32").toIntArray()).containsExactly(0, 1, 2, 100);
            assertThat(out.get("int64").toLongArray()).containsExactly(0, 1, 2, 100);
            assertThat(ElementSamples.shorts(out.get("float16"))).containsExactly(0x0000, 0x3C00, 0x4100, 0x5640);
            assertThat(ElementSamples.shorts(out.get("bfloat16"))).containsExactly(0x0000, 0x3F80, 0x4020, 0x42C8);
            assertThat(out.get("float32").toFloatArray()).containsExactly(0f, 1f, 2.5f, 100f);
            assertThat(out.get("float64").toDoubleArray()).containsExactly(0d, 1d, 2.5d, 100d);
            assertThat(out.values()).allSatisfy(t -> assertThat(t.dtype().wireName()).isIn(out.keySet()));
        }
    }

    @Test
    void aGraphOutputInfernoCannotCarryIsRefusedAtLoadNotAtRunTime() {
        Path dir = OnnxGraphs.graph().input("x", OnnxGraphs.FLOAT, "batch").output("y", OnnxGraphs.UINT32, "batch")
                .node("Cast", List.of("x"), List.of("y"), "to", OnnxGraphs.UINT32).write(tmp.resolve("uint32/1"));
        Signature declared = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH)),
                List.of(TensorSpec.of("y", DType.INT32, Dim.BATCH)));

        assertThatThrownBy(() -> OnnxGraphs.load(dir, declared))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageEndingWith("the graph disagrees with model.yaml's signature: output 'y' has ONNX element"
                        + " type uint32, which Inferno tensors cannot carry (Inferno has bool, uint8, int8, int16,"
                        + " int32, int64, float16, bfloat16, float32, float64); cast it in the graph");
    }
}
