package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as {@link Main} starts it: the port opens before models load, readiness says when loading is done,
 * and a port in use fails startup before any model loads. Loads are held at the {@link ModelProbe}'s gate, so the
 * test decides when loading ends.
 */
class StartupTest {
    @TempDir
    Path repo;

    private final HttpClient client = HttpClient.newHttpClient();

    private ServerSettings settings(int port) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        writeYaml(repo.resolve("quick/1"), TestModels.yaml("quick", 1, TestModels.Gated.class.getName(), 8, 1));
        return ServerSettings.fromEnvironment(Map.of("REPO_ROOT", repo.toString(), "HOST", "127.0.0.1",
                "PORT", Integer.toString(port)));
    }

    @Test
    void readinessIs503WhileStartupLoadingRunsThen200() throws Exception {
        try (ModelProbe probe = ModelProbe.open(repo)) {
            probe.loads("scale").hold();
            Main.Serving serving = Main.serve(settings(0));
            try {
                URI base = URI.create("http://127.0.0.1:" + serving.server().port());
                probe.loads("scale").awaitArrivals(1); // loading has started and is held

                HttpResponse<String> notReady = get(base.resolve("/health/ready"));
                assertThat(notReady.statusCode()).isEqualTo(503);
                assertThat(notReady.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(notReady.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(json(notReady).get("detail").asText()).isEqualTo("not ready: loading models");
                assertThat(get(base.resolve("/health/live")).statusCode()).isEqualTo(200);

                // a model still loading: 503 saying so; one already loaded answers; an unknown one is 404
                HttpResponse<String> loading = post(base.resolve("/v1/models/scale:predict"), xBody(1));
                assertThat(loading.statusCode()).isEqualTo(503);
                assertThat(loading.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(json(loading).get("detail").asText()).isEqualTo("model scale is not loaded yet: the "
                        + "server is still loading models at startup (GET /health/ready answers 200 when done); "
                        + "retry later");
                HttpResponse<String> v2Loading = post(base.resolve("/v2/models/scale/infer"),
                        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 2], "
                                + "\"data\": [1, 2]}]}");
                assertThat(v2Loading.statusCode()).isEqualTo(503);
                assertThat(json(v2Loading).get("error").asText()).startsWith("model scale is not loaded yet");
                Await.until("quick loaded",
                        () -> get(base.resolve("/v2/models/quick/ready")).statusCode() == 200);
                assertThat(post(base.resolve("/v1/models/quick:predict"), xBody(3)).statusCode()).isEqualTo(200);
                assertThat(post(base.resolve("/v1/models/nope:predict"), xBody(3)).statusCode()).isEqualTo(404);

                probe.loads("scale").release();
                Await.until("ready", () -> get(base.resolve("/health/ready")).statusCode() == 200);
                assertThat(json(get(base.resolve("/health/ready"))).get("status").asText()).isEqualTo("ready");
                HttpResponse<String> answered = post(base.resolve("/v1/models/scale:predict"), xBody(1));
                assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
            } finally {
                serving.server().shutdown();
            }
        }
    }

    @Test
    void aPortInUseFailsStartupBeforeAnyModelLoads() throws Exception {
        try (ModelProbe probe = ModelProbe.open(repo);
                ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ServerSettings settings = settings(taken.getLocalPort());
            assertThatThrownBy(() -> Main.serve(settings))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use (PORT); stop the "
                            + "process that holds it or choose another port");
            // the engine was closed without starting: no load ran, and none can start any more
            assertThat(probe.created("scale:1")).isZero();
        }
    }

    private HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).GET().build());
    }

    private HttpResponse<String> post(URI uri, String body) {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        return ServerHarness.send(client, request);
    }
}
