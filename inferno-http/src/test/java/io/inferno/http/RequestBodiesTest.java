package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.ScalingModel;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** How request bodies are received before a route sees them ({@link RequestIntake}). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBodiesTest {
    private static final int MAX_BODY = 4 << 20;

    private ServerHarness http;

    @BeforeAll
    void start(@TempDir Path repo) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        http = new ServerHarness(repo, Map.of("MAX_REQUEST_BYTES", Integer.toString(MAX_BODY)));
    }

    @AfterAll
    void stop() {
        http.close();
    }

    /** A valid predict body of about {@code size} bytes: JSON allows any amount of white space. */
    private static String padded(int size) {
        String body = xBody(2);
        return body.substring(0, body.length() - 1) + " ".repeat(size - body.length()) + "}";
    }

    @Test
    void aDeclaredBodyLargerThanTheFirstBufferArrivesWhole() {
        HttpResponse<String> r = http.post("/v1/models/scale:predict", padded(3 << 20));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).at("/outputs/y/data").toString()).isEqualTo("[[2.0,-2.0]]");
    }

    @Test
    void aChunkedBodyArrivesWhole() {
        byte[] bytes = padded(3 << 20).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/v1/models/scale:predict"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).at("/outputs/y/data").toString()).isEqualTo("[[2.0,-2.0]]");
    }

    @Test
    void aClientWaitingFor100ContinueWithAnOversizedBodyGets413AtOnce() {
        try (RawHttp c = new RawHttp(http.server.port())) {
            RawHttp.Response r = c.send(RawHttp.head("POST", "/v1/models/scale:predict",
                    "Content-Length: " + (MAX_BODY + 1), "Expect: 100-continue")).read();
            assertThat(r.status()).isEqualTo(413); // not 100: the body is never asked for
            assertThat(r.header("Connection")).hasValue("close");
            assertThat(json(r.body()).get("detail").asText()).contains("larger than the limit of " + MAX_BODY);
        }
    }

    @Test
    void aBodyCutShortByTheClientIs400() {
        try (RawHttp c = new RawHttp(http.server.port())) {
            String body = xBody(1);
            RawHttp.Response r = c.send(RawHttp.head("POST", "/v1/models/scale:predict",
                    "Content-Length: " + body.length()) + body.substring(0, 10)).endOutput().read();
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(json(r.body()).get("detail").asText()).isEqualTo("malformed request: Early EOF");
        }
    }
}
