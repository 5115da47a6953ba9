package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Open Inference Protocol's REST binding, black box: a real server on a loopback port, real sockets, the
 * sample models (TorchScript on libtorch, offline) and Java test models. Every endpoint, JSON and binary tensor
 * data both ways, version pinning, and each error with its status and {@code {"error"}} body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenInferenceRestTest {
    private static final String X = "{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": ";

    private ServerHarness http;
    private ModelProbe probe;

    @BeforeAll
    void start(@TempDir Path root) {
        probe = ModelProbe.open(root);
        ServerHarness.standardRepository(root);
        writeYaml(root.resolve("echo/1"), TestModels.echoYaml("echo", 1));
        http = new ServerHarness(root, Map.of("MAX_REQUEST_BYTES", "65536"));
        done(http.inferno.load("torchscript", 1)); // both versions loaded; loading one makes it active
        done(http.inferno.load("torchscript", 2));
    }

    @AfterAll
    void stop() {
        probe.close();
        http.close();
    }

    private HttpResponse<String> infer(String path, String body) {
        return http.post(path, body);
    }

    @Test
    void healthAndServerMetadata() {
        assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(json(http.get("/v2/health/live")).get("live").asBoolean()).isTrue();
        HttpResponse<String> ready = http.get("/v2/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("ready").asBoolean()).isTrue();
        JsonNode meta = json(http.get("/v2"));
        assertThat(meta.get("name").asText()).isEqualTo("inferno");
        assertThat(meta.get("version").asText()).isNotEmpty();
        assertThat(meta.get("extensions").toString()).isEqualTo("[\"binary_tensor_data\"]");
    }

    @Test
    void modelMetadataOfTheActiveAndOfAPinnedVersion() {
        JsonNode m = json(http.get("/v2/models/torchscript"));
        assertThat(m.get("name").asText()).isEqualTo("torchscript");
        assertThat(m.get("platform").asText()).isEqualTo("pytorch_torchscript");
        assertThat(m.get("versions").toString()).isEqualTo("[\"1\",\"2\"]");
        assertThat(m.get("inputs").toString()).isEqualTo("[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
        assertThat(m.get("outputs").toString())
                .isEqualTo("[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[-1,3]}]");
        assertThat(http.get("/v2/models/torchscript/versions/1").statusCode()).isEqualTo(200);
        assertThat(json(http.get("/v2/models/java")).get("platform").asText()).isEqualTo("inferno_java");
    }

    @Test
    void modelReadinessIs200WhenLoadedAnd404ForAnUnknownModel() {
        assertThat(http.get("/v2/models/torchscript/ready").statusCode()).isEqualTo(200);
        assertThat(json(http.get("/v2/models/torchscript/ready")).get("ready").asBoolean()).isTrue();
        assertThat(http.get("/v2/models/torchscript/versions/2/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> notLoaded = http.get("/v2/models/torchscript/versions/9/ready");
        assertThat(notLoaded.statusCode()).isEqualTo(503);
        assertThat(json(notLoaded).get("error").asText()).contains("not loaded");
        HttpResponse<String> unknown = http.get("/v2/models/nope/ready");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).has("error")).isTrue();
    }

    @Test
    void infersWithFlatOrNestedDataAndEchoesTheId() {
        HttpResponse<String> flat = infer("/v2/models/torchscript/infer",
                "{\"id\": \"req-7\", \"inputs\": [" + X + "[1, 2, 3, 4]}]}");
        assertThat(flat.statusCode()).as(flat.body()).isEqualTo(200);
        JsonNode body = json(flat);
        assertThat(body.get("model_name").asText()).isEqualTo("torchscript");
        assertThat(body.get("model_version").asText()).isEqualTo("2");
        assertThat(body.get("id").asText()).isEqualTo("req-7");
        JsonNode y = body.at("/outputs/0");
        assertThat(y.get("name").asText()).isEqualTo("y");
        assertThat(y.get("datatype").asText()).isEqualTo("FP32");
        assertThat(y.get("shape").toString()).isEqualTo("[1,3]");
        assertThat(y.get("data").size()).isEqualTo(3);

        HttpResponse<String> nested = infer("/v2/models/torchscript/infer",
                "{\"inputs\": [" + X + "[[1, 2, 3, 4]]}]}");
        assertThat(nested.statusCode()).as(nested.body()).isEqualTo(200);
        assertThat(json(nested).at("/outputs/0/data")).isEqualTo(y.get("data"));
        assertThat(json(nested).has("id")).isFalse();
    }

    @Test
    void dataMayComeBeforeDatatypeAndShape() {
        HttpResponse<String> r = infer("/v2/models/torchscript/infer",
                "{\"inputs\": [{\"data\": [1, 2, 3, 4], \"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 4]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void aPinnedVersionAnswers() {
        HttpResponse<String> r = infer("/v2/models/torchscript/versions/1/infer",
                "{\"inputs\": [" + X + "[1, 2, 3, 4]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("model_version").asText()).isEqualTo("1");
    }

    @Test
    void outputsNarrowTheAnswer() {
        String inputs = "{\"name\": \"tokens\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]},"
                + "{\"name\": \"mask\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 1, 0]}";
        HttpResponse<String> r = infer("/v2/models/multi_io/infer",
                "{\"inputs\": [" + inputs + "], \"outputs\": [{\"name\": \"total\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("outputs").size()).isEqualTo(1);
        assertThat(json(r).at("/outputs/0/name").asText()).isEqualTo("total");
    }

    // ---- binary tensor data

    /** A body of the JSON header and binary parts, as the extension document lays it out. */
    private static byte[] binaryBody(String json, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    private HttpResponse<byte[]> postBinary(String path, String json, byte[]... parts) {
        byte[] body = binaryBody(json, parts);
        HttpRequest request = HttpRequest.newBuilder(http.uri(path))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length",
                        Integer.toString(json.getBytes(StandardCharsets.UTF_8).length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            return http.client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The JSON header of a binary answer, by its Inference-Header-Content-Length. */
    private static JsonNode header(HttpResponse<byte[]> r) {
        int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        return json(new String(r.body(), 0, n, StandardCharsets.UTF_8));
    }

    @Test
    void binaryInputsAndBinaryOutputsMatchTheJsonOnes() {
        HttpResponse<String> asJson = infer("/v2/models/torchscript/infer", "{\"inputs\": [" + X + "[1, 2, 3, 4]}]}");
        JsonNode expected = json(asJson).at("/outputs/0/data");

        HttpResponse<byte[]> r = postBinary("/v2/models/torchscript/infer",
                "{\"id\": \"b\", \"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\","
                        + " \"parameters\": {\"binary_data_size\": 16}}],"
                        + " \"parameters\": {\"binary_data_output\": true}}",
                floats(1, 2, 3, 4));
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/octet-stream"));
        JsonNode head = header(r);
        assertThat(head.get("id").asText()).isEqualTo("b");
        JsonNode y = head.at("/outputs/0");
        assertThat(y.has("data")).isFalse();
        assertThat(y.at("/parameters/binary_data_size").asInt()).isEqualTo(12);
        int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(r.body().length).isEqualTo(n + 12);
        ByteBuffer out = ByteBuffer.wrap(r.body(), n, 12).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 3; i++) {
            assertThat(out.getFloat()).isEqualTo(expected.get(i).floatValue());
        }
    }

    @Test
    void anOutputsOwnBinaryDataOverridesTheRequestsSetting() {
        String inputs = "{\"name\": \"tokens\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]},"
                + "{\"name\": \"mask\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 1, 0]}";
        HttpResponse<byte[]> r = postBinary("/v2/models/multi_io/infer", "{\"inputs\": [" + inputs + "],"
                + " \"outputs\": [{\"name\": \"probs\", \"parameters\": {\"binary_data\": false}}, {\"name\": \"total\"}],"
                + " \"parameters\": {\"binary_data_output\": true}}");
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode head = header(r);
        assertThat(head.at("/outputs/0/data").size()).isEqualTo(3);
        assertThat(head.at("/outputs/1/parameters/binary_data_size").asInt()).isEqualTo(4);

        HttpResponse<String> jsonOnly = infer("/v2/models/multi_io/infer", "{\"inputs\": [" + inputs + "],"
                + " \"outputs\": [{\"name\": \"total\", \"parameters\": {\"binary_data\": false}}]}");
        assertThat(jsonOnly.headers().firstValue("Inference-Header-Content-Length")).isEmpty();
        assertThat(jsonOnly.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).contains("json"));
    }

    @Test
    void binaryInputsOfEveryWidthIncludingBoolAndHalfFloats() {
        // echo: tokens INT64 [1, 2], mask BOOL [1, 2] (one byte each), scale FP16 [], bias BF16 [2]
        String json = "{\"inputs\": ["
                + "{\"name\": \"tokens\", \"shape\": [1, 2], \"datatype\": \"INT64\", \"parameters\": {\"binary_data_size\": 16}},"
                + "{\"name\": \"mask\", \"shape\": [1, 2], \"datatype\": \"BOOL\", \"parameters\": {\"binary_data_size\": 2}},"
                + "{\"name\": \"scale\", \"shape\": [], \"datatype\": \"FP16\", \"parameters\": {\"binary_data_size\": 2}},"
                + "{\"name\": \"bias\", \"shape\": [2], \"datatype\": \"BF16\", \"data\": [1.5, -2]}],"
                + " \"outputs\": [{\"name\": \"tokens\", \"parameters\": {\"binary_data\": true}}]}";
        HttpResponse<byte[]> r = postBinary("/v2/models/echo/infer", json, longs(7, -9), new byte[] {1, 0},
                new byte[] {0x00, 0x3c});
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(Arrays.copyOfRange(r.body(), n, r.body().length)).isEqualTo(longs(7, -9));
        assertThat(header(r).at("/outputs/0/datatype").asText()).isEqualTo("INT64");
    }

    // ---- errors

    static Stream<Arguments> errors() {
        String x = "{\"inputs\": [" + X + "[1, 2, 3, 4]}]}";
        return Stream.of(
                Arguments.of("/v2/models/nope/infer", x, 404, "model not found"),
                Arguments.of("/v2/models/torchscript/versions/9/infer", x, 404, "not found"),
                Arguments.of("/v2/models/torchscript/versions/01/infer", x, 404, "not found"),
                Arguments.of("/v2/models/torchscript/infer", "{", 400, "not valid JSON"),
                Arguments.of("/v2/models/torchscript/infer", "[]", 400, "must be a JSON object"),
                Arguments.of("/v2/models/torchscript/infer", "{}", 400, "inputs is required"),
                Arguments.of("/v2/models/torchscript/infer", "{\"id\": 7, \"inputs\": [{\"name\": \"x\","
                        + " \"shape\": \"1x4\", \"data\": [1]}, {\"datatype\": \"FP32\"}]}", 400,
                        "id must be a string, got a number; Input 'x': shape must be a list of non-negative integers,"
                                + " got a string; Input 'x': datatype is required; inputs[1]: name is required;"
                                + " inputs[1]: shape is required"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP64\", \"data\": [1, 2, 3, 4]}]}",
                        400, "Input 'x' has dtype float64; expected float32"),
                Arguments.of("/v2/models/torchscript/infer", "{\"inputs\": [" + X + "[1, 2, 3]}]}", 400,
                        "input 'x': data has 3 elements, expected 4 (shape [1, 4])"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"BYTES\", \"data\": [\"a\"]}]}",
                        400, "datatype BYTES is not supported yet"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\"}]}", 400,
                        "Input 'x': needs data, or parameters.binary_data_size"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\","
                                + " \"parameters\": {\"binary_data_size\": 16}}]}", 400,
                        "has binary_data_size but the request has no Inference-Header-Content-Length header"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [" + X + "[1, 2, 3, 4]}], \"outputs\": [{\"name\": \"z\"}]}", 400,
                        "Unknown output(s): z. Available outputs: y"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [" + X + "[1, 2, 3, 4]}], \"parameters\": {\"timeout_ms\": 0}}", 400,
                        "parameter timeout_ms must be a positive integer"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [" + X + "[1, 2, 3, 4]}], \"parameters\": {\"timeout\": \"soon\"}}", 400,
                        "parameter timeout must be an integer"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [" + X + "[1, 2, 3, 4]}], \"outputs\": [{\"name\": \"y\","
                                + " \"parameters\": {\"classification\": 2}}]}", 400,
                        "the classification extension is not supported"),
                Arguments.of("/v2/models/torchscript/infer", "{\"inputs\": [" + X + "[1, 2, 3, 4]}, " + X
                        + "[1, 2, 3, 4]}]}", 400, "Input 'x' is given more than once"),
                Arguments.of("/v2/models/torchscript/infer",
                        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 5000], \"datatype\": \"FP32\", \"data\": ["
                                + "0,".repeat(40000) + "0]}]}", 413, "larger than"),
                Arguments.of("/v2/models/failing/infer",
                        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 2], \"datatype\": \"FP32\", \"data\": [1, 2]}]}",
                        500, "weights not initialised"));
    }

    @ParameterizedTest(name = "{0} -> {2}: {3}")
    @MethodSource("errors")
    void errorsHaveTheirStatusAndTheProtocolsErrorBody(String path, String body, int status, String message) {
        HttpResponse<String> r = infer(path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode error = json(r);
        assertThat(error.has("detail")).isFalse();
        assertThat(error.get("error").asText()).contains(message);
    }

    static Stream<Arguments> binaryErrors() {
        String head = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\","
                + " \"parameters\": {\"binary_data_size\": %d}}]}";
        return Stream.of(
                Arguments.of(head.formatted(12), floats(1, 2, 3), "Input 'x' (FP32, shape [1, 4]) needs 16 bytes,"
                        + " its binary_data_size is 12"),
                Arguments.of(head.formatted(16), floats(1, 2, 3), "the binary data after the JSON object is 12"
                        + " bytes, the inputs' binary_data_size add up to 16"),
                Arguments.of(head.formatted(16), floats(1, 2, 3, 4, 5), "the binary data after the JSON object is"
                        + " 20 bytes"),
                Arguments.of("{\"inputs\": [" + X + "[1, 2, 3, 4], \"parameters\": {\"binary_data_size\": 16}}]}",
                        floats(1, 2, 3, 4), "has both data and binary_data_size"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("binaryErrors")
    void mismatchedBinarySizesAre400WithAPreciseMessage(String json, byte[] binary, String message) {
        HttpResponse<byte[]> r = postBinary("/v2/models/torchscript/infer", json, binary);
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        assertThat(json(body).get("error").asText()).contains(message);
    }

    @Test
    void aHeaderLengthBeyondTheBodyIs400() {
        HttpResponse<String> r = http.post("/v2/models/torchscript/infer", "{\"inputs\": []}",
                "Inference-Header-Content-Length", "999");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText())
                .contains("Inference-Header-Content-Length must be the length of the JSON object");
    }

    @Test
    void failuresBeforeAnyRouteUnderV2AnswerTheProtocolsErrorBody() {
        HttpResponse<String> noRoute = http.get("/v2/nothing/here");
        assertThat(noRoute.statusCode()).isEqualTo(404);
        assertThat(json(noRoute).has("error")).isTrue();
        HttpResponse<String> wrongMethod = http.get("/v2/models/torchscript/infer");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(json(wrongMethod).has("error")).isTrue();
        // and the native API keeps its own shape
        assertThat(json(http.get("/v1/nothing")).has("detail")).isTrue();
    }

    @Test
    void aTimeoutParameterBoundsTheQueueWaitAnd504s() throws Exception {
        ModelProbe.Gate gate = probe.predictions("gated");
        ExecutorService callers = Executors.newFixedThreadPool(1);
        String x = "{\"name\": \"x\", \"shape\": [1, 2], \"datatype\": \"FP32\", \"data\": [1, 2]}";
        gate.hold();
        try {
            CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                    () -> infer("/v2/models/gated/infer", "{\"inputs\": [" + x + "]}"), callers);
            gate.awaitArrivals(1);
            HttpResponse<String> late = infer("/v2/models/gated/infer",
                    "{\"inputs\": [" + x + "], \"parameters\": {\"timeout\": 50000}}");
            assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
            assertThat(json(late).get("error").asText()).contains("timed out");
            gate.release();
            assertThat(done(running).statusCode()).isEqualTo(200);
        } finally {
            gate.release();
            callers.shutdown();
        }
    }

    @Test
    void v2RoutesCountInInferRequestsTotalByTemplate() throws InterruptedException {
        infer("/v2/models/torchscript/infer", "{\"inputs\": [" + X + "[1, 2, 3, 4]}]}");
        Await.until("counted", () -> http.get("/metrics").body().contains(
                "infer_requests_total{model=\"torchscript\",route=\"/v2/models/{name}/infer\",status=\"2xx\"}"));
    }
}
