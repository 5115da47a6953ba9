package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
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
    void aCrossSitePageCannotUnloadAModelWithASimplePost() {
        // the reproduction: no ADMIN_TOKEN (the default), a page on another site posts text/plain, which a browser
        // sends without asking first
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        try (ServerHarness http = new ServerHarness(repo, Map.of())) {
            String body = "{\"name\": \"scale\", \"version\": 1}";
            HttpResponse<String> fromPage = http.post("/v1/models:unload", body,
                    "Content-Type", "text/plain;charset=UTF-8", "Origin", "https://evil.example");
            assertThat(fromPage.statusCode()).isEqualTo(403);
            assertThat(json(fromPage).get("detail").asText()).isEqualTo("admin calls from browser origin "
                    + "'https://evil.example' are refused; allowed origins are set with ADMIN_ALLOWED_ORIGINS "
                    + "(none are)");
            assertThat(fromPage.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            HttpResponse<String> plain = http.post("/v1/models:unload", body, "Content-Type", "text/plain");
            assertThat(plain.statusCode()).isEqualTo(415);
            assertThat(json(plain).get("detail").asText())
                    .isEqualTo("admin calls need Content-Type: application/json (got 'text/plain')");
            HttpResponse<String> form = http.post("/v1/models:unload", body,
                    "Content-Type", "application/x-www-form-urlencoded");
            assertThat(form.statusCode()).isEqualTo(415);
            HttpResponse<String> bogus = http.post("/v1/models:load", body, "Content-Type", "text/plain; charset=bogus");
            assertThat(bogus.statusCode()).as(bogus.body()).isEqualTo(415); // found by HttpFuzzTest: was a 500
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(http.uri("/v1/models:unload"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST")
                    .build());
            assertThat(preflight.statusCode()).isEqualTo(403);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            // nothing was unloaded; a JSON call from a non-browser client is still allowed
            assertThat(json(http.post("/v1/models/scale:predict", xBody(1))).get("version").asLong()).isEqualTo(1);
            assertThat(http.post("/v1/models:unload", body, "Content-Type", "application/json; charset=utf-8")
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anAllowedOriginGetsItsPreflightAndCorsHeaders() {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        Map<String, String> env = Map.of("ADMIN_TOKEN", "s3cret",
                "ADMIN_ALLOWED_ORIGINS", "https://ops.example.com, http://localhost:3000");
        try (ServerHarness http = new ServerHarness(repo, env)) {
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(http.uri("/v1/models:load"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://ops.example.com").header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization, content-type").build());
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("https://ops.example.com");
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST");
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers"))
                    .hasValue("Authorization, Content-Type");
            String body = "{\"name\": \"scale\", \"version\": 1}";
            HttpResponse<String> noToken = http.post("/v1/models:load", body, "Origin", "http://localhost:3000");
            assertThat(noToken.statusCode()).isEqualTo(401);
            assertThat(noToken.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("http://localhost:3000"); // so the page can read why
            HttpResponse<String> loaded = http.post("/v1/models:load", body,
                    "Origin", "https://ops.example.com", "Authorization", "Bearer s3cret");
            assertThat(loaded.statusCode()).isEqualTo(200);
            assertThat(loaded.headers().firstValue("Access-Control-Allow-Origin"))
                    .hasValue("https://ops.example.com");
            assertThat(loaded.headers().firstValue("Vary")).hasValueSatisfying(v -> assertThat(v).contains("Origin"));
            assertThat(http.post("/v1/models:load", body, "Origin", "https://other.example.com",
                    "Authorization", "Bearer s3cret").statusCode()).isEqualTo(403);
        }
    }

    @Test
    void predictStaysLenientAboutTheContentTypeForCurlUsers() {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        try (ServerHarness http = new ServerHarness(repo, Map.of())) {
            // curl -d sends application/x-www-form-urlencoded
            HttpResponse<String> r = http.post("/v1/models/scale:predict", xBody(1),
                    "Content-Type", "application/x-www-form-urlencoded");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    /** Shutdown with one request accepted and held in a gated model, so the server answers while it drains. */
    @Nested
    class WhileDraining {
        private ModelProbe probe;
        private ModelProbe.Gate predictions;
        private ServerHarness http;
        private final ExecutorService pool = Executors.newFixedThreadPool(2);
        private CompletableFuture<HttpResponse<String>> inFlight;

        @BeforeEach
        void start() {
            writeYaml(repo.resolve("gated/1"), TestModels.yaml("gated", 1, TestModels.Gated.class.getName(), 8, 1));
            probe = ModelProbe.open(repo);
            predictions = probe.predictions("gated");
            http = new ServerHarness(repo, Map.of());
        }

        @AfterEach
        void stop() {
            probe.close(); // opens the gate, if an assertion failed first
            pool.shutdown();
            http.close();
        }

        /** Holds one accepted request in the model, starts the shutdown, and waits until readiness is off. */
        private CompletableFuture<Void> startDraining() throws InterruptedException {
            predictions.hold();
            inFlight = CompletableFuture.supplyAsync(() -> http.post("/v1/models/gated:predict", xBody(1)), pool);
            predictions.awaitArrivals(1); // accepted and running, held in the model
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(http.server::shutdown, pool);
            // the drain waits for the held request, so the server answers while it shuts down
            Await.until("readiness turned off", () -> http.get("/health/ready").statusCode() == 503);
            return stopping;
        }

        /** Lets the held request finish: it is answered, then the shutdown completes. */
        private void finish(CompletableFuture<Void> stopping) {
            assertThat(stopping).isNotDone(); // still draining the accepted request
            predictions.release();
            assertThat(done(inFlight).statusCode()).isEqualTo(200);
            done(stopping);
        }

        @Test
        void readinessIsOffNewWorkIsRefusedAndAcceptedRequestsAreAnswered() throws Exception {
            assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
            CompletableFuture<Void> stopping = startDraining();
            HttpResponse<String> ready = http.get("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(json(ready).get("detail").asText()).isEqualTo("shutting down");
            HttpResponse<String> refused = http.post("/v1/models/gated:predict", xBody(1));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            finish(stopping);
        }

        @Test
        void answersCloseTheirConnectionsAndIdleKeepAliveConnectionsAreClosedCleanly() throws Exception {
            try (RawHttp idle = new RawHttp(http.server.port())) {
                RawHttp.Response before = idle.send(RawHttp.head("GET", "/health/ready")).read();
                assertThat(before.status()).isEqualTo(200);
                assertThat(before.header("Connection")).isEmpty(); // kept alive, and now idle
                CompletableFuture<Void> stopping = startDraining();

                // the idle connection is closed by the server while it still serves, with an orderly close
                assertThat(idle.awaitClose()).isEqualTo("closed");
                // a keep-alive client refused while draining is told to close, and the connection closes cleanly
                try (RawHttp late = new RawHttp(http.server.port())) {
                    RawHttp.Response refused = late.send(RawHttp.post("/v1/models/gated:predict", xBody(1))).read();
                    assertThat(refused.status()).isEqualTo(503);
                    assertThat(refused.header("Retry-After")).isPresent();
                    assertThat(refused.header("Connection")).hasValue("close");
                    assertThat(late.awaitClose()).isEqualTo("closed");
                }
                try (RawHttp readiness = new RawHttp(http.server.port())) {
                    RawHttp.Response notReady = readiness.send(RawHttp.head("GET", "/health/ready")).read();
                    assertThat(notReady.status()).isEqualTo(503);
                    assertThat(notReady.header("Connection")).hasValue("close");
                }
                finish(stopping);
            }
        }
    }
}
