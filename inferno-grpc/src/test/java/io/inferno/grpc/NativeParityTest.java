package io.inferno.grpc;

import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.inferno.ModelDescription;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.grpc.v2.InferTensorContents;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.protocol.V2Datatype;
import io.inferno.tensor.DType;
import io.inferno.testing.SampleModels;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sample model in the repository's models/ folder (TorchScript ones on libtorch, offline), every version:
 * the same inputs through gRPC, raw and typed, give exactly the bytes {@link io.inferno.Inferno#predict} gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NativeParityTest {
    private GrpcHarness grpc;

    @BeforeAll
    void start(@TempDir Path root) {
        grpc = new GrpcHarness(GrpcHarness.samples(root), 16 << 20);
    }

    @AfterAll
    void stop() {
        grpc.close();
    }

    /** Each version of each sample, found on disk (so a new sample is covered without editing this test). */
    static Stream<Arguments> samples() {
        List<Arguments> out = new ArrayList<>();
        for (SampleModels.Version v : SampleModels.versions()) {
            out.add(Arguments.of(v.model(), v.version(), true));
            out.add(Arguments.of(v.model(), v.version(), false));
        }
        assertThat(out).as("sample models").hasSizeGreaterThanOrEqualTo(8);
        return out.stream();
    }

    @ParameterizedTest(name = "{0} v{1}, raw {2}")
    @MethodSource("samples")
    void grpcAnswersExactlyAsTheNativeApi(String model, long version, boolean raw) {
        if (!grpc.inferno.model(model).loaded().contains(version)) {
            done(grpc.inferno.load(model, version));
        }
        ModelDescription d = done(grpc.inferno.describe(model, OptionalLong.of(version)));
        Map<String, Tensor> inputs = SampleModels.inputs(d, new Random(model.hashCode() * 31L + version));

        Prediction expected = done(grpc.inferno.predict(PredictRequest.builder(model).inputs(inputs)
                .version(version).build()));

        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model)
                .setModelVersion(Long.toString(version));
        inputs.forEach((name, t) -> {
            ModelInferRequest.InferInputTensor.Builder in = request.addInputsBuilder().setName(name)
                    .setDatatype(V2Datatype.of(t.dtype()).name());
            for (long dim : t.shape().dims()) {
                in.addShape(dim);
            }
            if (raw) {
                request.addRawInputContents(ByteString.copyFrom(t.data()));
            } else {
                in.setContents(typed(t));
            }
        });
        ModelInferResponse r = grpc.blocking().modelInfer(request.build());

        assertThat(r.getModelVersion()).isEqualTo(Long.toString(version));
        assertThat(r.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactlyElementsOf(expected.outputs().keySet());
        for (int i = 0; i < r.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor out = r.getOutputs(i);
            Tensor want = expected.output(out.getName());
            assertThat(out.getDatatype()).isEqualTo(V2Datatype.of(want.dtype()).name());
            assertThat(out.getShapeList()).containsExactlyElementsOf(
                    java.util.Arrays.stream(want.shape().dims()).boxed().toList());
            byte[] got = raw ? r.getRawOutputContents(i).toByteArray() : bytes(out.getContents(), want.dtype());
            assertThat(got).as("%s of %s v%d", out.getName(), model, version).isEqualTo(want.toByteArray());
        }
    }

    private static InferTensorContents typed(Tensor t) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer b = t.data();
        while (b.hasRemaining()) {
            switch (t.dtype()) {
                case FLOAT32 -> c.addFp32Contents(b.getFloat());
                case FLOAT64 -> c.addFp64Contents(b.getDouble());
                case INT64 -> c.addInt64Contents(b.getLong());
                case INT32 -> c.addIntContents(b.getInt());
                default -> throw new AssertionError(t.dtype().toString());
            }
        }
        return c.build();
    }

    private static byte[] bytes(InferTensorContents c, DType dtype) {
        ByteBuffer b;
        switch (dtype) {
            case FLOAT32 -> {
                b = ByteBuffer.allocate(c.getFp32ContentsCount() * 4).order(ByteOrder.LITTLE_ENDIAN);
                c.getFp32ContentsList().forEach(b::putFloat);
            }
            case INT64 -> {
                b = ByteBuffer.allocate(c.getInt64ContentsCount() * 8).order(ByteOrder.LITTLE_ENDIAN);
                c.getInt64ContentsList().forEach(b::putLong);
            }
            default -> throw new AssertionError("no sample has a " + dtype + " output yet: add it");
        }
        return b.array();
    }
}
