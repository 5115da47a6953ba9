package io.inferno.grpc;

import static io.inferno.grpc.GrpcInferenceTest.assertStatus;
import static io.inferno.grpc.GrpcInferenceTest.output;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.inferno.grpc.v2.InferTensorContents;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.protocol.V2Datatype;
import io.inferno.tensor.DType;
import io.inferno.testing.ModelProbe;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Inferno dtype travels through a model and back unchanged, in both encodings, with its V2 datatype name:
 * the echo models return their inputs as outputs, so what comes back is what the server decoded and encoded.
 * The values are each type's extremes, so a sign, width or byte-order slip shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcDatatypeTest {
    private static final Set<DType> RAW_ONLY = EnumSet.of(DType.FLOAT16, DType.BFLOAT16);

    /** Three elements of each dtype, as the bits of their little-endian encoding. */
    private static final Map<DType, long[]> SAMPLES = Map.of(
            DType.BOOL, new long[] {1, 0, 1},
            DType.UINT8, new long[] {0, 200, 255},
            DType.INT8, new long[] {-128, 0, 127},
            DType.INT16, new long[] {Short.MIN_VALUE, 1, Short.MAX_VALUE},
            DType.INT32, new long[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE},
            DType.INT64, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE},
            DType.FLOAT16, new long[] {0x3c00, 0x8000, 0x7bff}, // 1, -0, 65504
            DType.BFLOAT16, new long[] {0x3fc0, 0xc000, 0x0001}, // 1.5, -2, the smallest subnormal
            DType.FLOAT32, new long[] {Float.floatToRawIntBits(1.5f), Float.floatToRawIntBits(-0f),
                Float.floatToRawIntBits(Float.MAX_VALUE)},
            DType.FLOAT64, new long[] {Double.doubleToRawLongBits(Math.PI), Double.doubleToRawLongBits(-0d),
                Double.doubleToRawLongBits(Double.MIN_VALUE)});

    private GrpcHarness grpc;
    private ModelProbe probe;

    @BeforeAll
    void start(@TempDir Path root) {
        probe = ModelProbe.open(root);
        grpc = new GrpcHarness(GrpcHarness.javaModels(root), 1 << 20);
    }

    @AfterAll
    void stop() {
        probe.close();
        grpc.close();
    }

    static Stream<Arguments> dtypesAndEncodings() {
        return Stream.of(DType.values()).flatMap(d -> RAW_ONLY.contains(d)
                ? Stream.of(Arguments.of(d, true))
                : Stream.of(Arguments.of(d, true), Arguments.of(d, false)));
    }

    @ParameterizedTest(name = "{0}, raw {1}")
    @MethodSource("dtypesAndEncodings")
    void aDtypeComesBackUnchangedInTheEncodingItWasSentIn(DType dtype, boolean raw) {
        boolean half = RAW_ONLY.contains(dtype);
        String model = half ? "echo_half" : "echo";
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model);
        for (DType d : DType.values()) {
            if (RAW_ONLY.contains(d) == half) {
                addInput(request, d, raw);
            }
        }
        ModelInferResponse r = grpc.blocking().modelInfer(request.build());

        String name = GrpcTestModels.echoName(dtype);
        ModelInferResponse.InferOutputTensor out = output(r, name);
        assertThat(out.getDatatype()).isEqualTo(V2Datatype.of(dtype).name());
        assertThat(out.getShapeList()).containsExactly(1L, 3L);
        if (raw) {
            assertThat(r.getRawOutputContents(r.getOutputsList().indexOf(out))).isEqualTo(rawBytes(dtype));
            assertThat(out.hasContents()).isFalse();
        } else {
            assertThat(r.getRawOutputContentsCount()).isZero();
            assertThat(out.getContents()).isEqualTo(typed(dtype));
        }
    }

    @Test
    void anOutputWithoutATypedFieldMakesTheWholeAnswerRaw() {
        ModelInferResponse r = grpc.blocking().modelInfer(GrpcHarness.typedX("to_bf16", 1.5f).build());
        assertThat(output(r, "h").getDatatype()).isEqualTo("BF16");
        assertThat(output(r, "h").hasContents()).isFalse();
        assertThat(r.getRawOutputContents(0).toByteArray()).containsExactly(0xc0, 0x3f, 0xc0, 0xbf);
    }

    @Test
    void halfPrecisionInTypedContentsIsInvalid() {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("echo_half");
        request.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(echoName(DType.FLOAT16))
                .setDatatype("FP16").addShape(1).addShape(3)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2).addFp32Contents(3)));
        assertStatus(() -> grpc.blocking().modelInfer(request.build()), Status.Code.INVALID_ARGUMENT,
                "FP16 has no typed contents field; send it in raw_input_contents");
    }

    @Test
    void typedValuesOutsideTheDtypesRangeAreInvalid() {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("echo");
        for (DType d : DType.values()) {
            if (!RAW_ONLY.contains(d)) {
                addInput(request, d, false);
            }
        }
        int int8 = request.getInputsList().stream().map(ModelInferRequest.InferInputTensor::getName).toList()
                .indexOf(echoName(DType.INT8));
        int uint8 = request.getInputsList().stream().map(ModelInferRequest.InferInputTensor::getName).toList()
                .indexOf(echoName(DType.UINT8));
        request.getInputsBuilder(int8).getContentsBuilder().setIntContents(1, 300);
        request.getInputsBuilder(uint8).getContentsBuilder().setUintContents(2, -1);
        assertStatus(() -> grpc.blocking().modelInfer(request.build()), Status.Code.INVALID_ARGUMENT,
                "Input 't_int8' (INT8, shape [1, 3]) holds 300 at element 1, outside -128 to 127",
                "Input 't_uint8' (UINT8, shape [1, 3]) holds 4294967295 at element 2, outside 0 to 255");
    }

    private static String echoName(DType d) {
        return GrpcTestModels.echoName(d);
    }

    private static void addInput(ModelInferRequest.Builder request, DType d, boolean raw) {
        ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(echoName(d)).setDatatype(V2Datatype.of(d).name()).addShape(1).addShape(3);
        if (raw) {
            request.addRawInputContents(rawBytes(d));
        } else {
            in.setContents(typed(d));
        }
        request.addInputs(in);
    }

    private static ByteString rawBytes(DType d) {
        ByteBuffer b = ByteBuffer.allocate(3 * d.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (long bits : SAMPLES.get(d)) {
            switch (d.itemSize()) {
                case 1 -> b.put((byte) bits);
                case 2 -> b.putShort((short) bits);
                case 4 -> b.putInt((int) bits);
                default -> b.putLong(bits);
            }
        }
        b.flip();
        return ByteString.copyFrom(b);
    }

    /** The samples in the typed field the specification gives the dtype. */
    private static InferTensorContents typed(DType d) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (long bits : SAMPLES.get(d)) {
            switch (d) {
                case BOOL -> c.addBoolContents(bits != 0);
                case UINT8 -> c.addUintContents((int) bits);
                case INT8, INT16, INT32 -> c.addIntContents((int) bits);
                case INT64 -> c.addInt64Contents(bits);
                case FLOAT32 -> c.addFp32Contents(Float.intBitsToFloat((int) bits));
                case FLOAT64 -> c.addFp64Contents(Double.longBitsToDouble(bits));
                case FLOAT16, BFLOAT16 -> throw new AssertionError("raw only");
            }
        }
        return c.build();
    }
}
