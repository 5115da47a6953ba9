package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.ScalingModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAuthAndShutdownTest {
    @TempDir
    Path repo;

    @Test
    void withAnAdminTokenLoadAndUnloadNeedTheBearerToken() {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        writeYaml(repo.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
        try (ServerHarness http = new ServerHarness(repo, Map.of("ADMIN_TOKEN", "s3cret"))) {
            String body = "{\"name\": \"scale\", \"version\": 1}";
            HttpResponse<String> none = http.post("/v1/models:load", body);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(json(none).get("detail").asText()).contains("Authorization: Bearer");
            HttpResponse<String> wrong = http.post("/v1/models:unload", body, "Authorization", "Bearer nope");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(json(wrong).get("detail").asText()).isEqualTo("the admin token is not valid");
            assertThat(http.post("/v1/models:load", body, "Authorization", "Bearer s3cret").statusCode())
                    .isEqualTo(200);
            // predictions need no token
            assertThat(json(http.post("/v1/models/scale:predict", xBody(1))).get("version").asLong()).isEqualTo(1);
        }
    }

    @Test
    void shutdownTurnsReadinessOffRefusesNewWorkAndAnswersAcceptedRequests() throws Exception {
        writeYaml(repo.resolve("slow_1200/1"), TestModels.yaml("slow_1200", 1, TestModels.Slow.class.getName(), 8, 1));
        ServerHarness http = new ServerHarness(repo, Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
            CompletableFuture<HttpResponse<String>> inFlight =
                    CompletableFuture.supplyAsync(() -> http.post("/v1/models/slow_1200:predict", xBody(1)), pool);
            Thread.sleep(400); // accepted and running (it sleeps 1.2 s)
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(http.server::shutdown, pool);
            Thread.sleep(150);
            HttpResponse<String> ready = http.get("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(json(ready).get("detail").asText()).isEqualTo("shutting down");
            HttpResponse<String> refused = http.post("/v1/models/slow_1200:predict", xBody(1));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(inFlight.get().statusCode()).isEqualTo(200);
            stopping.get();
        } finally {
            pool.shutdown();
            http.close();
        }
    }
}
