package io.inferno.grpc;

import static io.inferno.grpc.GrpcHarness.typedX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.inferno.grpc.v2.InferParameter;
import io.inferno.grpc.v2.InferTensorContents;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.grpc.v2.ModelMetadataRequest;
import io.inferno.grpc.v2.ModelMetadataResponse;
import io.inferno.grpc.v2.ModelReadyRequest;
import io.inferno.grpc.v2.ServerLiveRequest;
import io.inferno.grpc.v2.ServerMetadataRequest;
import io.inferno.grpc.v2.ServerMetadataResponse;
import io.inferno.grpc.v2.ServerReadyRequest;
import io.inferno.protocol.V2;
import io.inferno.testing.ModelProbe;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
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
 * The gRPC contract, black box: a real server on a loopback port, a real client channel, Java models. Every RPC,
 * both tensor encodings, version pinning and each error status (the gated ones are in {@link GrpcQueueTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcInferenceTest {
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private GrpcHarness grpc;
    private ModelProbe probe;

    @BeforeAll
    void start(@TempDir Path root) {
        probe = ModelProbe.open(root);
        grpc = new GrpcHarness(GrpcHarness.javaModels(root), MAX_MESSAGE_BYTES);
    }

    @AfterAll
    void stop() {
        probe.close();
        grpc.close();
    }

    // ---- health and metadata

    @Test
    void theServerIsLiveAndReadyOnceLoaded() {
        assertThat(grpc.blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(grpc.blocking().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    }

    @Test
    void serverMetadataNamesInfernoAndItsVersion() {
        ServerMetadataResponse m = grpc.blocking().serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(m.getName()).isEqualTo("inferno");
        assertThat(m.getVersion()).isEqualTo(V2.serverVersion()).isNotEqualTo("unknown");
        assertThat(m.getExtensionsList()).isEmpty();
    }

    @Test
    void aModelIsReadyWhenItsActiveOrNamedVersionIsLoaded() {
        assertThat(ready("scale", "")).isTrue();
        assertThat(ready("scale", "2")).isTrue();
        assertThat(ready("scale", "1")).as("preload loads the active version only").isFalse();
    }

    @Test
    void modelReadyOfAnUnknownModelOrAMalformedVersionIsNotFound() {
        assertStatus(() -> ready("nope", ""), Status.Code.NOT_FOUND, "model not found");
        assertStatus(() -> ready("scale", "latest"), Status.Code.NOT_FOUND, "model not found");
    }

    private boolean ready(String name, String version) {
        return grpc.blocking().modelReady(ModelReadyRequest.newBuilder().setName(name).setVersion(version).build())
                .getReady();
    }

    @Test
    void modelMetadataDescribesTheSignatureWithVariableDimensionsAsMinusOne() {
        ModelMetadataResponse m = grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder()
                .setName("scale").build());
        assertThat(m.getName()).isEqualTo("scale");
        assertThat(m.getVersionsList()).containsExactly("2");
        assertThat(m.getPlatform()).isEqualTo("inferno_java");
        assertThat(m.getInputsList()).hasSize(1);
        assertThat(m.getInputs(0).getName()).isEqualTo("x");
        assertThat(m.getInputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L, 2L);
        assertThat(m.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName)
                .containsExactly("y", "x_copy");
    }

    @Test
    void modelMetadataOfAnUnknownModelOrUnloadedVersionIsNotFound() {
        assertStatus(() -> grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()),
                Status.Code.NOT_FOUND, "model not found");
        assertStatus(() -> grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("scale")
                .setVersion("7").build()), Status.Code.NOT_FOUND, "model not found");
    }

    // ---- inference

    @Test
    void typedInputsGetTypedOutputsAndTheIdAndVersionBack() {
        ModelInferResponse r = grpc.blocking().modelInfer(typedX("scale", 1, 2).setId("req-1").build());
        assertThat(r.getModelName()).isEqualTo("scale");
        assertThat(r.getModelVersion()).isEqualTo("2");
        assertThat(r.getId()).isEqualTo("req-1");
        assertThat(r.getRawOutputContentsCount()).isZero();
        ModelInferResponse.InferOutputTensor y = output(r, "y");
        assertThat(y.getDatatype()).isEqualTo("FP32");
        assertThat(y.getShapeList()).containsExactly(2L, 2L);
        assertThat(y.getContents().getFp32ContentsList()).containsExactly(2f, -2f, 4f, -4f);
    }

    @Test
    void rawInputsGetRawOutputsInTheOrderOfOutputs() {
        ModelInferResponse r = grpc.blocking().modelInfer(rawX("scale", 1, 2).build());
        assertThat(r.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("y", "x_copy");
        assertThat(r.getOutputsList()).allSatisfy(o -> assertThat(o.hasContents()).isFalse());
        assertThat(r.getRawOutputContentsCount()).isEqualTo(2);
        assertThat(floats(r.getRawOutputContents(0))).containsExactly(2f, -2f, 4f, -4f);
        assertThat(floats(r.getRawOutputContents(1))).containsExactly(1f, -1f, 2f, -2f);
    }

    @Test
    void aPinnedVersionAnswersAndSaysSo() {
        ModelInferResponse r = grpc.blocking().modelInfer(typedX("scale", 3).setModelVersion("2").build());
        assertThat(r.getModelVersion()).isEqualTo("2");
        assertThat(output(r, "y").getContents().getFp32ContentsList()).containsExactly(6f, -6f);
        assertStatus(() -> grpc.blocking().modelInfer(typedX("scale", 3).setModelVersion("1").build()),
                Status.Code.NOT_FOUND, "model not found");
    }

    @Test
    void requestedOutputsNarrowTheAnswer() {
        ModelInferResponse r = grpc.blocking().modelInfer(typedX("scale", 1)
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("x_copy")).build());
        assertThat(r.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("x_copy");
    }

    // ---- errors

    static Stream<Arguments> invalidRequests() {
        ModelInferRequest.InferInputTensor.Builder int64X = ModelInferRequest.InferInputTensor.newBuilder()
                .setName("x").setDatatype("INT64").addShape(1).addShape(2)
                .setContents(InferTensorContents.newBuilder().addInt64Contents(1).addInt64Contents(2));
        return Stream.of(
                Arguments.of("a dtype the signature does not declare",
                        ModelInferRequest.newBuilder().setModelName("scale").addInputs(int64X),
                        "Input 'x' has dtype int64; expected float32"),
                Arguments.of("a missing input", ModelInferRequest.newBuilder().setModelName("scale"),
                        "Missing required input(s): x"),
                Arguments.of("an unknown output",
                        typedX("scale", 1).addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                .setName("z")),
                        "Unknown output(s): z. Available outputs: x_copy, y"),
                Arguments.of("BYTES", withDatatype("BYTES"), "datatype BYTES is not supported yet"),
                Arguments.of("UINT16", withDatatype("UINT16"),
                        "datatype UINT16 is not supported yet (Inferno has no uint16 tensors)"),
                Arguments.of("an unknown datatype", withDatatype("FLOAT"), "unknown datatype 'FLOAT'"),
                Arguments.of("too few values", typedX("scale", 1).setInputs(0, typedX("scale", 1).getInputs(0)
                        .toBuilder().clearShape().addShape(2).addShape(2)),
                        "Input 'x' (FP32, shape [2, 2]) needs 4 values in fp32_contents, got 2"),
                Arguments.of("values in the wrong field",
                        ModelInferRequest.newBuilder().setModelName("scale").addInputs(int64X.clone()
                                .setDatatype("FP32")),
                        "Input 'x' (FP32, shape [1, 2]) carries int64_contents; its values go in fp32_contents"),
                Arguments.of("a negative dimension", typedX("scale", 1).setInputs(0, typedX("scale", 1).getInputs(0)
                        .toBuilder().setShape(0, -1)), "Input 'x': dimension 0 of shape [-1, 2] is negative"),
                Arguments.of("raw contents of the wrong size",
                        rawX("scale", 1).setRawInputContents(0, ByteString.copyFrom(new byte[7])),
                        "Input 'x' (FP32, shape [1, 2]) needs 8 bytes, raw_input_contents[0] holds 7"),
                Arguments.of("raw contents for fewer inputs than given",
                        rawX("scale", 1).addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("w")
                                .setDatatype("FP32").addShape(1)),
                        "raw_input_contents has 1 entries for 2 inputs"),
                Arguments.of("raw and typed contents together",
                        rawX("scale", 1).setInputs(0, typedX("scale", 1).getInputs(0)),
                        "has contents although the request uses raw_input_contents"),
                Arguments.of("an input given twice", typedX("scale", 1).addInputs(typedX("scale", 1).getInputs(0)),
                        "Input 'x' is given more than once"),
                Arguments.of("a zero timeout_ms", typedX("scale", 1).putParameters(V2.TIMEOUT_MS,
                        InferParameter.newBuilder().setInt64Param(0).build()),
                        "parameter timeout_ms must be a positive integer (milliseconds), got 0"),
                Arguments.of("a string timeout_ms", typedX("scale", 1).putParameters(V2.TIMEOUT_MS,
                        InferParameter.newBuilder().setStringParam("5").build()),
                        "parameter timeout_ms must be an integer (int64_param)"),
                Arguments.of("the classification extension", typedX("scale", 1).addOutputs(
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("y").putParameters(
                                "classification", InferParameter.newBuilder().setInt64Param(2).build())),
                        "the classification extension is not supported"));
    }

    private static ModelInferRequest.Builder withDatatype(String datatype) {
        return typedX("scale", 1).setInputs(0, typedX("scale", 1).getInputs(0).toBuilder().setDatatype(datatype));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void anInvalidRequestIsInvalidArgumentWithThePreciseProblem(String what, ModelInferRequest.Builder request,
            String message) {
        assertStatus(() -> grpc.blocking().modelInfer(request.build()), Status.Code.INVALID_ARGUMENT, message);
    }

    @Test
    void everyProblemOfARequestIsReportedAtOnce() {
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("scale")
                .addInputs(withDatatype("BYTES").getInputs(0))
                .addInputs(withDatatype("UINT64").getInputs(0).toBuilder().setName("w")).build();
        assertStatus(() -> grpc.blocking().modelInfer(request), Status.Code.INVALID_ARGUMENT,
                "Input 'x': datatype BYTES is not supported yet", "; Input 'w': datatype UINT64 is not supported yet");
    }

    @Test
    void anUnknownModelIsNotFoundAndCountsUnderTheUnknownLabel() {
        double before = grpc.requests("_unknown", "ModelInfer", "4xx");
        assertStatus(() -> grpc.blocking().modelInfer(typedX("nope", 1).build()), Status.Code.NOT_FOUND,
                "model not found or not loaded");
        assertStatus(() -> grpc.blocking().modelInfer(typedX("scale", 1).setModelVersion("x").build()),
                Status.Code.NOT_FOUND, "model not found or not loaded");
        assertThat(grpc.requests("_unknown", "ModelInfer", "4xx")).isEqualTo(before + 1);
    }

    @Test
    void aModelFailureIsInternalWithTheModelsMessage() {
        assertStatus(() -> grpc.blocking().modelInfer(typedX("failing", 1).build()), Status.Code.INTERNAL,
                "weights not initialised");
    }

    @Test
    void aMessageAboveTheLimitIsResourceExhaustedBeforeItIsRead() {
        float[] big = new float[MAX_MESSAGE_BYTES / 8 + 1]; // 2 floats of 4 bytes per row
        assertStatus(() -> grpc.blocking().modelInfer(typedX("scale", big).build()),
                Status.Code.RESOURCE_EXHAUSTED, "");
        assertThat(grpc.blocking().modelInfer(typedX("scale", 1).build()).getModelVersion()).isEqualTo("2");
    }

    @Test
    void callsCountInInferRequestsTotalWithTheProtocolInTheRoute() {
        double ok = grpc.requests("scale", "ModelInfer", "2xx");
        double invalid = grpc.requests("scale", "ModelInfer", "4xx");
        double failed = grpc.requests("failing", "ModelInfer", "5xx");
        double live = grpc.requests("", "ServerLive", "2xx");
        grpc.blocking().modelInfer(typedX("scale", 1).build());
        assertStatus(() -> grpc.blocking().modelInfer(withDatatype("BYTES").build()), Status.Code.INVALID_ARGUMENT,
                "");
        assertStatus(() -> grpc.blocking().modelInfer(typedX("failing", 1).build()), Status.Code.INTERNAL, "");
        grpc.blocking().serverLive(ServerLiveRequest.getDefaultInstance());
        assertThat(grpc.requests("scale", "ModelInfer", "2xx")).isEqualTo(ok + 1);
        assertThat(grpc.requests("scale", "ModelInfer", "4xx")).isEqualTo(invalid + 1);
        assertThat(grpc.requests("failing", "ModelInfer", "5xx")).isEqualTo(failed + 1);
        assertThat(grpc.requests("", "ServerLive", "2xx")).isEqualTo(live + 1);
    }

    // ---- helpers

    static ModelInferRequest.Builder rawX(String model, float... firstColumn) {
        ByteBuffer b = ByteBuffer.allocate(firstColumn.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : firstColumn) {
            b.putFloat(v).putFloat(-v);
        }
        b.flip();
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(firstColumn.length).addShape(2))
                .addRawInputContents(ByteString.copyFrom(b));
    }

    static List<Float> floats(ByteString raw) {
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        Float[] out = new Float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return List.of(out);
    }

    static ModelInferResponse.InferOutputTensor output(ModelInferResponse r, String name) {
        return r.getOutputsList().stream().filter(o -> o.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no output " + name + " in " + r));
    }

    static void assertStatus(Runnable call, Status.Code code, String... messageParts) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            for (String part : messageParts) {
                assertThat(e.getStatus().getDescription()).contains(part);
            }
        });
    }
}
