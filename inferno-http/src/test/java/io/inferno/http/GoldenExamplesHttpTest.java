package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.codec.TensorCodec;
import io.inferno.golden.GoldenCase;
import io.inferno.golden.GoldenCases;
import io.inferno.golden.GoldenResult;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The samples' golden examples sent to the real server over HTTP: each request.json is a REST predict body as it
 * is, and the server answers what its expected.json says, as ModelRunner and the checker do.
 */
class GoldenExamplesHttpTest {
    @TempDir
    Path repo;

    @Test
    void everySampleAnswersItsGoldenExamplesOverHttp() throws IOException {
        Path models = Path.of("..", "models");
        List<Path> versions;
        try (Stream<Path> found = Files.walk(models, 2)) {
            versions = found.filter(v -> Files.exists(v.resolve("model.yaml"))).sorted().toList();
        }
        versions.forEach(v -> ServerHarness.copy(v, repo.resolve(models.relativize(v))));
        int checked = 0;
        try (ServerHarness h = new ServerHarness(repo, Map.of())) {
            done(h.inferno.load("torchscript", 1)); // version 2 stays loaded: both answer pinned requests
            for (Path v : versions) {
                String path = "/v1/models/" + v.getParent().getFileName() + "/versions/" + v.getFileName() + ":predict";
                for (GoldenCase example : GoldenCases.read(v)) {
                    HttpResponse<String> answer = h.post(path,
                            Files.readString(example.directory().resolve(GoldenCases.REQUEST)));
                    GoldenResult result = answer.statusCode() == 200
                            ? example.resultOf(outputs(json(answer)))
                            : example.resultOf(new IllegalStateException("HTTP " + answer.statusCode() + ": "
                                    + json(answer).get("detail").asText()));

                    assertThat(result.problems()).as(path + " " + example.name()).isEmpty();
                    assertThat(answer.statusCode()).as(answer.body())
                            .isEqualTo(example.expectedError().isPresent() ? 422 : 200);
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(13);
    }

    private static Map<String, Tensor> outputs(JsonNode answer) throws IOException {
        try (JsonParser parser = answer.get("outputs").traverse()) {
            return TensorCodec.decodeNamed(parser);
        }
    }
}
