package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The REST contract, black box: a real server on a loopback port, real sockets, real models. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InfernoServerTest {
    private ServerHarness http;
    private ModelProbe probe;

    @BeforeAll
    void start(@TempDir Path root) {
        probe = ModelProbe.open(root);
        http = new ServerHarness(ServerHarness.standardRepository(root), Map.of("MAX_REQUEST_BYTES", "65536"));
    }

    @AfterAll
    void stop() {
        probe.close();
        http.close();
    }

    @Test
    void predictsWithTheActiveVersionAndSaysWhichServed() {
        HttpResponse<String> r = http.post("/v1/models/scale:predict", xBody(1, 2));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        JsonNode body = json(r);
        assertThat(body.get("model").asText()).isEqualTo("scale");
        assertThat(body.get("version").asLong()).isEqualTo(2);
        assertThat(body.at("/outputs/y/data").toString()).isEqualTo("[[2.0,-2.0],[4.0,-4.0]]");
        assertThat(body.at("/outputs/y/dtype").asText()).isEqualTo("float32");
        assertThat(body.at("/outputs/y/shape").toString()).isEqualTo("[2,2]");
    }

    /** One version, one path: {@code 01}, {@code +1} and the like name no version, even where a number parser would. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "POST, /v1/models/scale/versions/02:predict",
        "POST, /v1/models/scale/versions/+2:predict",
        "POST, /v1/models/scale/versions/%2B2:predict",
        "GET, /v1/models/scale/versions/02",
        "GET, /v1/models/scale/versions/+2",
        "GET, /v1/models/scale/versions/2.0"})
    void aVersionWrittenOtherwiseThanPlainDigitsIsNotFound(String method, String path) {
        HttpResponse<String> r = method.equals("GET") ? http.get(path) : http.post(path, xBody(1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(json(r).get("detail").asText()).isEqualTo("model not found or not loaded");
        String plain = path.replaceAll("/versions/[^/:]+", "/versions/2"); // the loaded, active version
        assertThat((method.equals("GET") ? http.get(plain) : http.post(plain, xBody(1))).statusCode()).isEqualTo(200);
    }

    @Test
    void narrowsToTheRequestedOutputsAndEncodesBase64OnRequest() {
        String body = xBody(1).replace("}}}", "}}, \"outputs\": [\"y\"], \"codec\": \"base64\"}");
        JsonNode r = json(http.post("/v1/models/scale:predict", body));
        assertThat(r.get("outputs").size()).isEqualTo(1);
        byte[] bytes = Base64.getDecoder().decode(r.at("/outputs/y/base64").asText());
        assertThat(bytes).hasSize(8);
        assertThat(Float.intBitsToFloat((bytes[0] & 0xff) | (bytes[1] & 0xff) << 8 | (bytes[2] & 0xff) << 16
                | (bytes[3] & 0xff) << 24)).isEqualTo(2f);
    }

    @Test
    void servesTheTorchScriptSamplesAndDictOutputs() {
        String x = "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [[0, 0, 0, 0]]}}}";
        JsonNode v2 = json(http.post("/v1/models/torchscript:predict", x));
        JsonNode v1 = json(http.post("/v1/models/torchscript/versions/1:predict", x));
        assertThat(v2.get("version").asLong()).isEqualTo(2);
        assertThat(v2.at("/outputs/y/shape").toString()).isEqualTo("[1,3]");
        // version 2 adds 10 to every output: the switch shows in the numbers
        assertThat(v2.at("/outputs/y/data/0/0").asDouble() - v1.at("/outputs/y/data/0/0").asDouble())
                .isBetween(9.0, 11.0);
        String multi = "{\"inputs\": {\"tokens\": {\"dtype\": \"float32\", \"shape\": [2, 3], \"data\": "
                + "[[1, 2, 3], [4, 5, 6]]}, \"mask\": {\"dtype\": \"float32\", \"shape\": [2, 3], \"data\": "
                + "[[1, 1, 0], [1, 1, 1]]}}}";
        JsonNode m = json(http.post("/v1/models/multi_io:predict", multi));
        assertThat(m.at("/outputs/total/data").toString()).isEqualTo("[[3.0],[15.0]]");
        assertThat(m.at("/outputs/probs/shape").toString()).isEqualTo("[2,3]");
    }

    @Test
    void servesTheJavaEntrypointSample() {
        String x = "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [[1, 2, 3, 4]]}}}";
        JsonNode r = json(http.post("/v1/models/java:predict", x));
        double sum = 0;
        for (JsonNode p : r.at("/outputs/probs/data/0")) {
            sum += p.asDouble();
        }
        assertThat(sum).isBetween(0.999, 1.001);
    }

    static Stream<Arguments> errors() {
        String ok = xBody(1);
        return Stream.of(
                Arguments.of("not JSON", "/v1/models/scale:predict", "{oops", 400, "request body is not valid JSON"),
                // JSON has no NaN: the client is told how to write it, not which Jackson setting would allow it
                Arguments.of("bare NaN", "/v1/models/scale:predict", xBody(1).replace("-1.0", "NaN"), 400,
                        "request body is not valid JSON: bare NaN is not JSON; write NaN and the infinities as "
                                + "strings: \"NaN\", \"Infinity\", \"-Infinity\" at line 1, column 73"),
                Arguments.of("bare -Infinity", "/v1/models/scale:predict", xBody(1).replace("-1.0", "-Infinity"),
                        400, "request body is not valid JSON: bare -Infinity is not JSON; write NaN and the"),
                Arguments.of("a plus sign", "/v1/models/scale:predict", xBody(1).replace("-1.0", "+1.0"), 400,
                        "request body is not valid JSON: Unexpected character ('+' (code 43)) in numeric value: "
                                + "JSON spec does not allow numbers to have plus signs at line 1, column 71"),
                Arguments.of("a comment", "/v1/models/scale:predict", "{/* no */}", 400,
                        "request body is not valid JSON: Unexpected character ('/' (code 47)): maybe a "
                                + "(non-standard) comment? at line 1, column 2"),
                // three NUL bytes make Jackson read the body as UTF-32, whose reader fails with an IOException of
                // its own (not a parse error): it was a 500 (found by HttpFuzzTest)
                Arguments.of("UTF-32 that does not decode", "/v1/models/scale:predict", "\u0000\u0000\u0000{\"a\": 1}",
                        400, "request body is not valid JSON: Invalid UTF-32 character"),
                Arguments.of("UTF-32 that does not decode, admin", "/v1/models:load", "\u0000\u0000\u0000{\"a\": 1}",
                        400, "request body is not valid JSON: Invalid UTF-32 character"),
                Arguments.of("a list", "/v1/models/scale:predict", "[1]", 400,
                        "request body must be a JSON object, got a list"),
                Arguments.of("empty", "/v1/models/scale:predict", "", 400, "request body is empty"),
                Arguments.of("trailing", "/v1/models/scale:predict", ok + " {}", 400, "content after its JSON object"),
                Arguments.of("no inputs", "/v1/models/scale:predict", "{}", 422, "inputs is required"),
                Arguments.of("unknown field", "/v1/models/scale:predict", ok.replace("}}}", "}}, \"x\": 1}"), 422,
                        "unknown field 'x'"),
                Arguments.of("timeout zero", "/v1/models/scale:predict", ok.replace("}}}", "}}, \"timeout_ms\": 0}"),
                        422, "timeout_ms must be a positive integer (milliseconds), got 0"),
                Arguments.of("timeout fraction", "/v1/models/scale:predict",
                        ok.replace("}}}", "}}, \"timeout_ms\": 1.5}"), 422, "timeout_ms must be a positive integer"),
                Arguments.of("timeout string", "/v1/models/scale:predict",
                        ok.replace("}}}", "}}, \"timeout_ms\": \"5\"}"), 422, "timeout_ms must be a positive integer"),
                Arguments.of("codec", "/v1/models/scale:predict", ok.replace("}}}", "}}, \"codec\": \"xml\"}"), 422,
                        "unsupported codec 'xml'"),
                Arguments.of("outputs type", "/v1/models/scale:predict", ok.replace("}}}", "}}, \"outputs\": \"y\"}"),
                        422, "outputs must be a list of output names, got a string"),
                Arguments.of("unknown output", "/v1/models/scale:predict",
                        ok.replace("}}}", "}}, \"outputs\": [\"z\"]}"), 422, "Unknown output(s): z"),
                Arguments.of("wrong dtype", "/v1/models/scale:predict", ok.replace("float32", "int32").replace(".0", ""),
                        422, "Input 'x' has dtype int32; expected float32"),
                Arguments.of("missing input", "/v1/models/scale:predict", ok.replace("\"x\"", "\"q\""), 422,
                        "Missing required input(s): x. Expected inputs: x"),
                Arguments.of("ragged", "/v1/models/scale:predict", "{\"inputs\": {\"x\": {\"dtype\": \"float32\", "
                        + "\"shape\": [2, 2], \"data\": [[1, 2], [3]]}}}", 422, "input 'x'"),
                Arguments.of("bad base64", "/v1/models/scale:predict", "{\"inputs\": {\"x\": {\"dtype\": \"float32\", "
                        + "\"shape\": [1, 2], \"base64\": \"@@@\"}}}", 422, "input 'x'"),
                Arguments.of("unknown model", "/v1/models/nope:predict", ok, 404, "model not found or not loaded"),
                Arguments.of("unknown version", "/v1/models/scale/versions/9:predict", ok, 404,
                        "model not found or not loaded"),
                Arguments.of("version not a number", "/v1/models/scale/versions/abc:predict", ok, 404,
                        "model not found or not loaded"),
                // Long.parseLong takes these as version 2, so they served it under paths of their own (found by
                // HttpFuzzTest): one version has one path
                Arguments.of("version with a sign", "/v1/models/scale/versions/+2:predict", ok, 404,
                        "model not found or not loaded"),
                Arguments.of("version with a leading zero", "/v1/models/scale/versions/02:predict", ok, 404,
                        "model not found or not loaded"),
                Arguments.of("version in Arabic-Indic digits", "/v1/models/scale/versions/%D9%A2:predict", ok, 404,
                        "model not found or not loaded"),
                Arguments.of("version in fullwidth digits", "/v1/models/scale/versions/%EF%BC%92:predict", ok, 404,
                        "model not found or not loaded"),
                Arguments.of("model fails", "/v1/models/failing:predict", ok, 500,
                        "model failing:1 failed: weights not initialised"),
                Arguments.of("admin not JSON", "/v1/models:load", "load it", 400, "not valid JSON"),
                Arguments.of("admin fields", "/v1/models:load", "{\"name\": \"scale\", \"version\": \"2\", \"x\": 1}",
                        422, "version must be a positive integer, got 2; unknown field 'x'"),
                Arguments.of("admin unknown", "/v1/models:unload", "{\"name\": \"nope\", \"version\": 1}", 404,
                        "model not found or not loaded"),
                Arguments.of("admin load fails", "/v1/models:load", "{\"name\": \"broken\", \"version\": 1}", 422,
                        "entrypoint class com.acme.Missing not found"),
                Arguments.of("predict on a model that cannot load", "/v1/models/broken:predict", ok, 404,
                        "model not found or not loaded"),
                Arguments.of("no route", "/v3/whatever", "{}", 404, "no route for POST /v3/whatever"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void everyFailureHasItsStatusAndAJsonDetail(String name, String path, String body, int status, String detail) {
        HttpResponse<String> r = http.post(path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        assertThat(json(r).get("detail").asText()).contains(detail);
    }

    @Test
    void aWrongMethodIs405WithJson() {
        HttpResponse<String> r = http.get("/v1/models:load");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(json(r).get("detail").asText()).contains("method GET is not allowed");
    }

    @Test
    void bodiesOverTheLimitAre413WhetherDeclaredOrChunked() {
        String big = "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 2], \"data\": [[1, 2]]}}, "
                + "\"pad\": \"" + "a".repeat(70_000) + "\"}";
        HttpResponse<String> declared = http.post("/v1/models/scale:predict", big);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(json(declared).get("detail").asText()).contains("larger than the limit of 65536 bytes");
        assertThat(declared.headers().firstValue("Connection")).hasValue("close"); // its body is left unread
        assertThat(http.post("/v1/models/scale:predict", xBody(1)).statusCode()).isEqualTo(200); // next one works
        byte[] bytes = big.getBytes();
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(http.uri("/v1/models/scale:predict"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(http.post("/v1/models/scale:predict", xBody(1)).statusCode()).isEqualTo(200);
    }

    @Test
    void aFullQueueIs503WithRetryAfterAndAnExpiredRequestIs504() throws Exception {
        // gated: one batch of one request at a time, one request queued at most; predictions wait at the gate
        ModelProbe.Gate gate = probe.predictions("gated");
        ExecutorService callers = Executors.newFixedThreadPool(2);
        gate.hold();
        try {
            var running = CompletableFuture.supplyAsync(() -> http.post("/v1/models/gated:predict", xBody(1)),
                    callers);
            gate.awaitArrivals(1);

            HttpResponse<String> late = http.post("/v1/models/gated:predict",
                    xBody(1).replace("}}}", "}}, \"timeout_ms\": 50}"));
            assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
            assertThat(json(late).get("detail").asText()).contains("timed out after waiting");

            var queued = CompletableFuture.supplyAsync(() -> http.post("/v1/models/gated:predict", xBody(1)),
                    callers);
            Await.until("one request queued behind the running one", () -> http.gauge("infer_queue_depth", "gated") == 1);
            HttpResponse<String> refused = http.post("/v1/models/gated:predict", xBody(1));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(refused).get("detail").asText()).contains("queue is full");

            gate.release();
            assertThat(done(running).statusCode()).isEqualTo(200);
            assertThat(done(queued).statusCode()).isEqualTo(200);
        } finally {
            gate.release();
            callers.shutdown();
        }
    }

    @Test
    void listsModelsWithVersionsAndFailures() {
        JsonNode r = json(http.get("/v1/models"));
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        r.get("models").forEach(m -> byName.put(m.get("name").asText(), m));
        assertThat(byName).containsKeys("scale", "torchscript", "java", "multi_io", "failing", "gated");
        assertThat(byName.get("torchscript").get("versions_on_disk").toString()).isEqualTo("[1,2]");
        assertThat(byName.get("torchscript").get("active_version").asLong()).isEqualTo(2);
        assertThat(r.at("/state_store/healthy").asBoolean()).isTrue();
    }

    @Test
    void describesAModelWithItsFullSignature() {
        JsonNode d = json(http.get("/v1/models/multi_io"));
        assertThat(d.get("version").asLong()).isEqualTo(1);
        assertThat(d.at("/signature/inputs/0/name").asText()).isEqualTo("tokens");
        assertThat(d.at("/signature/inputs/0/shape").toString()).isEqualTo("[\"batch\",\"seq\"]");
        assertThat(d.at("/signature/outputs/1/shape").toString()).isEqualTo("[\"batch\",1]");
        assertThat(d.at("/batching/max_batch_size").asInt()).isPositive();
        assertThat(http.get("/v1/models/nope").statusCode()).isEqualTo(404);
        assertThat(json(http.get("/v1/models/torchscript/versions/2")).get("version").asLong()).isEqualTo(2);
        assertThat(http.get("/v1/models/torchscript/versions/9").statusCode()).isEqualTo(404);
        assertThat(http.get("/v1/models/torchscript/versions/02").statusCode()).isEqualTo(404);
    }

    @Test
    void hotSwapsThroughTheAdminApi() {
        assertThat(json(http.post("/v1/models:load", "{\"name\": \"torchscript\", \"version\": 1}")).toString())
                .isEqualTo("{\"loaded\":true}");
        JsonNode active = json(http.get("/v1/models/torchscript/active"));
        assertThat(active.toString()).isEqualTo("{\"name\":\"torchscript\",\"version\":1,\"loaded\":true}");
        String x = "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [[1, 1, 1, 1]]}}}";
        assertThat(json(http.post("/v1/models/torchscript:predict", x)).get("version").asLong()).isEqualTo(1);
        assertThat(json(http.post("/v1/models/torchscript/versions/2:predict", x)).get("version").asLong())
                .isEqualTo(2);
        assertThat(json(http.post("/v1/models:unload", "{\"name\": \"torchscript\", \"version\": 1}")).toString())
                .isEqualTo("{\"unloaded\":true}");
        assertThat(json(http.get("/v1/models/torchscript/active")).get("version").asLong()).isEqualTo(2);
        assertThat(http.post("/v1/models/torchscript/versions/1:predict", x).statusCode()).isEqualTo(404);
        assertThat(http.post("/v1/models:load", "{\"name\": \"torchscript\", \"version\": 7}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void echoesAGivenRequestIdAndGeneratesOneOtherwise() {
        HttpResponse<String> given = http.post("/v1/models/scale:predict", xBody(1), "X-Request-ID", "abc-123");
        assertThat(given.headers().firstValue("X-Request-ID")).hasValue("abc-123");
        HttpResponse<String> generated = http.post("/v1/models/scale:predict", xBody(1));
        assertThat(generated.headers().firstValue("X-Request-ID").orElseThrow()).hasSize(36);
        HttpResponse<String> unsafe = http.post("/v1/models/scale:predict", xBody(1), "X-Request-ID", "a b\u00e9");
        assertThat(unsafe.headers().firstValue("X-Request-ID").orElseThrow()).hasSize(36);
    }

    @Test
    void healthAndMetricsAfterTraffic() {
        assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(json(http.get("/health/ready")).get("status").asText()).isEqualTo("ready");
        http.post("/v1/models/scale:predict", xBody(1));
        http.post("/v1/models/scale:predict", "{}");
        String metrics = http.get("/metrics").body();
        assertThat(metrics).contains(
                "infer_requests_total{model=\"scale\",route=\"/v1/models/{name}:predict\",status=\"2xx\"}",
                "infer_requests_total{model=\"scale\",route=\"/v1/models/{name}:predict\",status=\"4xx\"}",
                "infer_latency_seconds_bucket{model=\"scale\",le=\"0.005\"}",
                "infer_queue_seconds_count{model=\"scale\"}", "infer_compute_seconds_count{model=\"scale\"}",
                "infer_batch_size_count{model=\"scale\"}", "model_loaded{model=\"scale\",version=\"2\"} 1",
                "ready 1", "state_store_healthy 1");
    }
}
