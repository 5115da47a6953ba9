package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server with both runtimes: ONNX and TorchScript samples side by side, an ONNX model whose model.yaml has no
 * signature described with the graph's, and the classifier answering the same in both formats.
 */
class OnnxModelsHttpTest {
    private static final String TOKENS = "{\"inputs\": {\"tokens\": {\"dtype\": \"int64\", \"shape\": [1, 8], \"data\":"
            + " [[5, 260, 517, 780, 13, 999, 0, 421]]}}}";

    @TempDir
    Path repo;

    private ServerHarness start() {
        for (String sample : new String[] {"mlp_onnx/1", "my_classifier_onnx/1", "my_classifier/1"}) {
            ServerHarness.copy(Path.of("..", "models").resolve(sample), repo.resolve(sample));
        }
        return new ServerHarness(repo, Map.of());
    }

    @Test
    void anOnnxModelWithoutASignatureInModelYamlIsDescribedWithTheGraphsAndServed() {
        try (ServerHarness h = start()) {
            JsonNode d = json(h.get("/v1/models/mlp_onnx"));
            assertThat(d.get("format").asText()).isEqualTo("onnx");
            assertThat(d.get("signature").toString()).isEqualTo("{\"inputs\":[{\"name\":\"features\",\"dtype\":"
                    + "\"float32\",\"shape\":[\"batch\",16],\"optional\":false}],\"outputs\":[{\"name\":\"scores\","
                    + "\"dtype\":\"float32\",\"shape\":[\"batch\",3]}]}");
            assertThat(d.at("/batching/enabled").asBoolean()).isTrue();

            StringBuilder row = new StringBuilder("[");
            for (int i = 0; i < 16; i++) {
                row.append(i == 0 ? "" : ",").append(i / 8.0);
            }
            HttpResponse<String> p = h.post("/v1/models/mlp_onnx:predict", "{\"inputs\": {\"features\": {\"dtype\":"
                    + " \"float32\", \"shape\": [2, 16], \"data\": [" + row + "]," + row + "]]}}}");
            assertThat(p.statusCode()).as(p.body()).isEqualTo(200);
            assertThat(json(p).at("/outputs/scores/shape").toString()).isEqualTo("[2,3]");
        }
    }

    @Test
    void theClassifierAnswersTheSameAsTorchScriptAndAsOnnx() {
        try (ServerHarness h = start()) {
            JsonNode ts = json(h.post("/v1/models/my_classifier:predict", TOKENS)).at("/outputs/probs/data/0");
            JsonNode onnx = json(h.post("/v1/models/my_classifier_onnx:predict", TOKENS)).at("/outputs/probs/data/0");

            assertThat(onnx.size()).isEqualTo(4);
            for (int i = 0; i < 4; i++) {
                assertThat(onnx.get(i).asDouble()).isCloseTo(ts.get(i).asDouble(),
                        org.assertj.core.api.Assertions.within(1e-5));
            }
            assertThat(json(h.get("/v1/models/my_classifier_onnx")).get("format").asText()).isEqualTo("onnx");
        }
    }

    @Test
    void anOnnxInputOfTheWrongDtypeIsRefusedByValidationNotByOnnxRuntime() {
        try (ServerHarness h = start()) {
            HttpResponse<String> r = h.post("/v1/models/my_classifier_onnx:predict", TOKENS.replace("int64", "int32"));

            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).contains("Input 'tokens' has dtype int32; expected int64");
        }
    }
}
