package io.inferno.http;

import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.ModelDescription;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.protocol.V2Datatype;
import io.inferno.tensor.Tensor;
import io.inferno.testing.SampleModels;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * the same inputs through {@code POST /v2/models/{m}/versions/{v}/infer}, as JSON (flat and nested) and as binary
 * tensor data, give exactly the bytes {@link io.inferno.Inferno#predict} gives, which is what the native API
 * answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenInferenceParityTest {
    private ServerHarness http;

    enum Encoding { FLAT, NESTED, BINARY }

    @BeforeAll
    void start(@TempDir Path root) {
        for (SampleModels.Version v : SampleModels.versions()) {
            ServerHarness.copy(SampleModels.FOLDER.resolve(v.model()).resolve(Long.toString(v.version())),
                    root.resolve(v.model()).resolve(Long.toString(v.version())));
        }
        http = new ServerHarness(root, Map.of());
    }

    @AfterAll
    void stop() {
        http.close();
    }

    /** Each version of each sample, found on disk, in each encoding. */
    static Stream<Arguments> samples() {
        List<Arguments> out = new ArrayList<>();
        for (SampleModels.Version v : SampleModels.versions()) {
            for (Encoding e : Encoding.values()) {
                out.add(Arguments.of(v.model(), v.version(), e));
            }
        }
        assertThat(out).as("sample models").hasSizeGreaterThanOrEqualTo(15);
        return out.stream();
    }

    @ParameterizedTest(name = "{0} v{1}, {2}")
    @MethodSource("samples")
    void v2AnswersExactlyAsTheNativeApi(String model, long version, Encoding encoding) throws Exception {
        if (!http.inferno.model(model).loaded().contains(version)) {
            done(http.inferno.load(model, version));
        }
        ModelDescription d = done(http.inferno.describe(model, OptionalLong.of(version)));
        Map<String, Tensor> inputs = SampleModels.inputs(d, new Random(model.hashCode() * 31L + version));
        Prediction expected = done(http.inferno.predict(PredictRequest.builder(model).inputs(inputs)
                .version(version).build()));

        StringBuilder json = new StringBuilder("{\"inputs\": [");
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            Tensor t = e.getValue();
            json.append(json.charAt(json.length() - 1) == '[' ? "" : ", ").append("{\"name\": \"").append(e.getKey())
                    .append("\", \"datatype\": \"").append(V2Datatype.of(t.dtype()).name()).append("\", \"shape\": ")
                    .append(Arrays.toString(t.shape().dims()));
            if (encoding == Encoding.BINARY) {
                json.append(", \"parameters\": {\"binary_data_size\": ").append(t.byteSize()).append("}}");
                binary.writeBytes(t.toByteArray());
            } else {
                json.append(", \"data\": ").append(data(t, encoding == Encoding.NESTED)).append('}');
            }
        }
        json.append("], \"parameters\": {\"binary_data_output\": ").append(encoding == Encoding.BINARY).append("}}");
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(
                http.uri("/v2/models/" + model + "/versions/" + version + "/infer"));
        if (encoding == Encoding.BINARY) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(header);
            body.writeBytes(binary.toByteArray());
            request.header("Inference-Header-Content-Length", Integer.toString(header.length))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(header));
        }
        HttpResponse<byte[]> r = http.client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);

        int headerLength = r.headers().firstValue("Inference-Header-Content-Length").map(Integer::parseInt)
                .orElse(r.body().length);
        assertThat(headerLength < r.body().length).isEqualTo(encoding == Encoding.BINARY);
        JsonNode answer = ServerHarness.json(new String(r.body(), 0, headerLength, StandardCharsets.UTF_8));
        assertThat(answer.get("model_version").asText()).isEqualTo(Long.toString(version));
        List<String> names = new ArrayList<>();
        answer.get("outputs").forEach(o -> names.add(o.get("name").asText()));
        assertThat(names).containsExactlyElementsOf(expected.outputs().keySet());
        int offset = headerLength;
        for (JsonNode out : answer.get("outputs")) {
            Tensor want = expected.output(out.get("name").asText());
            assertThat(out.get("datatype").asText()).isEqualTo(V2Datatype.of(want.dtype()).name());
            assertThat(out.get("shape").toString()).isEqualTo(Arrays.toString(want.shape().dims()).replace(" ", ""));
            byte[] got;
            if (encoding == Encoding.BINARY) {
                int size = out.at("/parameters/binary_data_size").asInt();
                got = Arrays.copyOfRange(r.body(), offset, offset + size);
                offset += size;
            } else {
                got = floats(out.get("data"));
            }
            assertThat(got).as("%s of %s v%d", out.get("name"), model, version).isEqualTo(want.toByteArray());
        }
        assertThat(offset).isEqualTo(r.body().length);
    }

    /** A tensor's elements as JSON, flat or nested by rows (every sample input is of rank 2). */
    private static String data(Tensor t, boolean nested) {
        ByteBuffer b = t.data();
        long perRow = t.shape().rank() == 0 ? 1 : t.shape().elementsPerRow();
        StringBuilder s = new StringBuilder(nested ? "[[" : "[");
        for (long i = 0; i < t.shape().elementCount(); i++) {
            if (i > 0) {
                s.append(nested && i % perRow == 0 ? "], [" : ", ");
            }
            switch (t.dtype()) {
                case FLOAT32 -> s.append(b.getFloat());
                case INT64 -> s.append(b.getLong());
                default -> throw new AssertionError(t.dtype().toString());
            }
        }
        return s.append(nested ? "]]" : "]").toString();
    }

    /** Every sample's outputs are FP32: the flat JSON data back to little-endian bytes. */
    private static byte[] floats(JsonNode data) {
        ByteBuffer b = ByteBuffer.allocate(data.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.forEach(v -> b.putFloat(v.floatValue()));
        return b.array();
    }
}
