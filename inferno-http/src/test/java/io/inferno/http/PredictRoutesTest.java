package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inferno.ModelNotFoundException;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPInputStream;
import org.assertj.core.api.Assertions;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The predict routes served in front of Javalin ({@link PredictRoutes}) keep the contract Javalin's routes had:
 * how paths match, gzip for large answers, the 405 of another method, the route a request is counted under.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PredictRoutesTest {
    private ServerHarness http;

    @BeforeAll
    void start(@TempDir Path root) {
        writeYaml(root.resolve("scale/1"), ScalingModel.yaml("scale", 1, 64));
        writeYaml(root.resolve("failing/1"),
                TestModels.yaml("failing", 1, TestModels.Failing.class.getName(), 16, 8));
        http = new ServerHarness(root, Map.of("MAX_REQUEST_BYTES", "65536"));
    }

    @AfterAll
    void stop() {
        http.close();
    }

    /** 64 rows of values whose JSON is long: an answer of several kilobytes. */
    private static String largeBody() {
        float[] rows = new float[64];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = 1.2345678f + i;
        }
        return xBody(rows);
    }

    private HttpResponse<byte[]> postBytes(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String gunzip(byte[] body) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aLargeAnswerIsGzippedForAClientThatAcceptsGzip() {
        HttpResponse<byte[]> plain = postBytes("/v1/models/scale:predict", largeBody());
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.body().length).isGreaterThanOrEqualTo(PredictRoutes.GZIP_MIN_BYTES);

        HttpResponse<byte[]> gzipped = postBytes("/v1/models/scale:predict", largeBody(),
                "Accept-Encoding", "deflate, gzip;q=0.8");
        assertThat(gzipped.statusCode()).isEqualTo(200);
        assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gzipped.body().length).isLessThan(plain.body().length);
        assertThat(json(gunzip(gzipped.body()))).isEqualTo(json(new String(plain.body(), StandardCharsets.UTF_8)));
    }

    @Test
    void aSmallAnswerOrAClientThatRefusesGzipGetsItPlain() {
        HttpResponse<byte[]> small = postBytes("/v1/models/scale:predict", xBody(1), "Accept-Encoding", "gzip");
        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(json(new String(small.body(), StandardCharsets.UTF_8)).at("/outputs/y/data").toString())
                .isEqualTo("[[1.0,-1.0]]");

        HttpResponse<byte[]> refused = postBytes("/v1/models/scale:predict", largeBody(),
                "Accept-Encoding", "gzip;q=0, identity");
        assertThat(refused.statusCode()).isEqualTo(200);
        assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/v1/models/scale:predict/, 1",
        "/v1/models/sc%61le:predict, 1",
        "/v1/models/scale/versions/1:predict, 1",
        "/v1/models/scale/versions/1:predict/, 1",
        "/v1/models/scale/versions/%31:predict, 1"})
    void pathsMatchAsJavalinMatchedThem(String path, long version) {
        HttpResponse<String> r = http.post(path, xBody(3));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("model").asText()).isEqualTo("scale");
        assertThat(json(r).get("version").asLong()).isEqualTo(version);
    }

    @Test
    void aNameThatIsNotAModelIsA404InTheNativeShape() {
        HttpResponse<String> plus = http.post("/v1/models/sc+ale:predict", xBody(3));
        assertThat(plus.statusCode()).isEqualTo(404);
        assertThat(json(plus).get("detail").asText()).contains("model not found");
        HttpResponse<String> colon = http.post("/v1/models/a:b:predict", xBody(3));
        assertThat(colon.statusCode()).isEqualTo(404);
        assertThat(json(colon).get("detail").asText()).contains("model not found");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/v2/models/scale/infer",
        "/v2/models/scale/infer/",
        "/v2/models/sc%61le/versions/1/infer"})
    void theOpenInferenceInferRoutesAreServedInFrontToo(String path) {
        HttpResponse<String> r = http.post(path, "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 2], "
                + "\"datatype\": \"FP32\", \"data\": [1.5, -1.5]}], \"outputs\": [{\"name\": \"y\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("model_name").asText()).isEqualTo("scale");
        assertThat(json(r).at("/outputs/0/data").toString()).isEqualTo("[1.5,-1.5]");
    }

    @Test
    void anInferErrorIsInTheProtocolsShape() {
        HttpResponse<String> r = http.post("/v2/models/nope/infer", "{\"inputs\": []}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).has("error")).as(r.body()).isTrue();
        assertThat(json(r).has("detail")).isFalse();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(http.uri("/v2/models/scale/infer"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValueSatisfying(a -> assertThat(a).contains("POST"));
    }

    @Test
    void aModelFailureIsLoggedOnceWithTheRequestsContext() {
        Logger logger = (Logger) LoggerFactory.getLogger(InfernoServer.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            HttpResponse<String> r = http.post("/v1/models/failing/versions/1:predict", xBody(1),
                    "X-Request-ID", "fails-1");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(appender.list).filteredOn(e -> "fails-1".equals(e.getMDCPropertyMap().get("request_id")))
                    .singleElement().satisfies(e -> {
                        assertThat(e.getLevel()).isEqualTo(Level.WARN);
                        assertThat(e.getFormattedMessage()).contains("weights not initialised");
                        assertThat(e.getMDCPropertyMap()).containsEntry("route",
                                "/v1/models/{name}/versions/{version}:predict").containsEntry("method", "POST")
                                .containsEntry("status", "500").containsEntry("model", "failing");
                    });
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void anEscapedColonIsNotThePredictVerb() {
        // Javalin matches the path as sent: this is GET /v1/models/{name}'s path, and POST is not allowed there
        HttpResponse<String> r = http.post("/v1/models/scale%3Apredict", xBody(3));
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(json(r).get("detail").asText()).contains("not allowed");
    }

    @Test
    void anotherMethodOnAPredictPathIs405AndNamesPost() {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/v1/models/scale:predict"))
                .PUT(HttpRequest.BodyPublishers.ofString(xBody(1))).build());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValueSatisfying(a -> assertThat(a).contains("POST"));
        assertThat(r.headers().firstValue("X-Request-ID")).isPresent();
    }

    @Test
    void eachRouteIsCountedUnderItsOwnTemplate() {
        assertThat(http.post("/v1/models/scale/versions/1:predict", xBody(1)).statusCode()).isEqualTo(200);
        assertThat(http.post("/v1/models/scale/versions/7:predict", xBody(1)).statusCode()).isEqualTo(404);
        String metrics = http.get("/metrics").body();
        assertThat(metrics).contains(
                "infer_requests_total{model=\"scale\",route=\"/v1/models/{name}/versions/{version}:predict\","
                        + "status=\"2xx\"}",
                "infer_requests_total{model=\"scale\",route=\"/v1/models/{name}/versions/{version}:predict\","
                        + "status=\"4xx\"}");
    }

    @Test
    void aRefusedBodyIsAnsweredByThePredictRouteAndClosesTheConnection() {
        HttpResponse<String> r = http.post("/v1/models/scale:predict", "[" + " ".repeat(70_000) + "]");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("detail").asText()).contains("65536");
        assertThat(r.headers().firstValue("Connection")).hasValue("close");
        assertThat(r.headers().firstValue("X-Request-ID")).isPresent();
    }

    @Test
    void aModelSlowerThanTheIdleTimeoutStillAnswers(@TempDir Path root) throws Exception {
        writeYaml(root.resolve("gated/1"), TestModels.yaml("gated", 1, TestModels.Gated.class.getName(), 1, 1));
        try (ModelProbe probe = ModelProbe.open(root);
                ServerHarness slow = new ServerHarness(root, Map.of("IDLE_TIMEOUT_S", "0.2"))) {
            ModelProbe.Gate gate = probe.predictions("gated");
            gate.hold();
            CompletableFuture<HttpResponse<String>> answer = slow.client.sendAsync(
                    HttpRequest.newBuilder(slow.uri("/v1/models/gated:predict"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(xBody(1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            gate.awaitArrivals(1);
            // the phenomenon under test is time passing: five idle timeouts while the model holds the request
            Thread.sleep(1_000);
            assertThat(answer).as("cut by the idle timeout while the model ran").isNotDone();
            gate.release();
            assertThat(answer).succeedsWithin(Await.LIMIT).satisfies(r -> {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(json(r).at("/outputs/y/data").toString()).isEqualTo("[[1.0,-1.0]]");
            });
        }
    }

    @Test
    void pathParametersDecodeAsJavalinDecodesThem() {
        assertThat(PredictRoutes.pathParameter("scale")).isEqualTo("scale");
        assertThat(PredictRoutes.pathParameter("sc%61le")).isEqualTo("scale");
        assertThat(PredictRoutes.pathParameter("a+b%20c")).isEqualTo("a+b c");
        assertThat(PredictRoutes.pathParameter("%C3%A9")).isEqualTo("\u00e9");
        Assertions.assertThatThrownBy(() -> PredictRoutes.pathParameter("%zz"))
                .isInstanceOf(ModelNotFoundException.class);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "gzip|true",
        "GZIP|true",
        "deflate, gzip|true",
        "gzip;q=0.5|true",
        "br;q=1, gzip ; q=0.001|true",
        "gzip;q=0|false",
        "gzip; q=0.000|false",
        "identity|false",
        "x-gzip|false",
        "''|false"})
    void acceptEncodingIsReadAsHttpSays(String header, boolean accepts) {
        HttpFields fields = HttpFields.build().add("Accept-Encoding", header);
        assertThat(PredictRoutes.acceptsGzip(fields)).isEqualTo(accepts);
    }
}
