package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.testing.ScalingModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over HTTP: versions and models copied in while the server runs, hot swaps that stay, and bounded metric labels. */
class LiveRepositoryHttpTest {
    @TempDir
    Path repo;

    private ServerHarness start() {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        return new ServerHarness(repo, Map.of());
    }

    private static String load(String name, long version) {
        return "{\"name\": \"" + name + "\", \"version\": " + version + "}";
    }

    /** The model's entry in {@code GET /v1/models}. */
    private static String listed(ServerHarness h, String name) {
        for (JsonNode m : json(h.get("/v1/models")).get("models")) {
            if (m.get("name").asText().equals(name)) {
                return m.toString();
            }
        }
        throw new AssertionError(name + " is not listed");
    }

    @Test
    void aVersionCopiedInWhileServingLoadsAndServesWithoutARestart() {
        try (ServerHarness h = start()) {
            writeYaml(repo.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
            HttpResponse<String> loaded = h.post("/v1/models:load", load("scale", 2));
            assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
            JsonNode p = json(h.post("/v1/models/scale:predict", xBody(1)));
            assertThat(p.get("version").asLong()).isEqualTo(2);
            assertThat(listed(h, "scale")).contains("\"active_version\":2,\"loaded_versions\":[1,2],"
                    + "\"versions_on_disk\":[1,2]");
        }
    }

    @Test
    void aModelCopiedInWhileServingLoadsTheSameWay() {
        try (ServerHarness h = start()) {
            assertThat(h.post("/v1/models/fresh:predict", xBody(1)).statusCode()).isEqualTo(404);
            writeYaml(repo.resolve("fresh/1"), ScalingModel.yaml("fresh", 1, 8));
            HttpResponse<String> loaded = h.post("/v1/models:load", load("fresh", 1));
            assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
            assertThat(h.post("/v1/models/fresh:predict", xBody(1)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anInvalidPackageCopiedInIsRefusedWithItsReason() {
        try (ServerHarness h = start()) {
            writeYaml(repo.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8).replace("max_batch_size: 8",
                    "max_batch_size: -3"));
            HttpResponse<String> refused = h.post("/v1/models:load", load("scale", 2));
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(json(refused).get("detail").asText()).contains("max_batch_size");
            assertThat(json(h.post("/v1/models/scale:predict", xBody(1))).get("version").asLong()).isEqualTo(1);
        }
    }

    @Test
    void aHotSwapKeepsThePreviousVersionLoadedAndListed() {
        writeYaml(repo.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
        try (ServerHarness h = start()) {
            assertThat(h.post("/v1/models:load", load("scale", 1)).statusCode()).isEqualTo(200);
            assertThat(listed(h, "scale")).contains("\"active_version\":1,\"loaded_versions\":[1,2]");
            assertThat(h.post("/v1/models/scale/versions/2:predict", xBody(1)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void requestsForUnknownModelsShareOneMetricLabel() {
        try (ServerHarness h = start()) {
            for (int i = 0; i < 20; i++) {
                assertThat(h.post("/v1/models/nope" + i + ":predict", xBody(1)).statusCode()).isEqualTo(404);
            }
            String metrics = h.get("/metrics").body();
            assertThat(metrics).doesNotContain("nope").contains("model=\"_unknown\"");
        }
    }
}
