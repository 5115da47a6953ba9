package io.inferno.http;

import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.redis.EmbeddedRedis;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenAPI document cannot drift from the server: a real server answers every route of the table below, with
 * the error statuses each declares, and every answer (including the ones a row makes on its way) is checked against
 * the document by {@link OpenApiContract}: declared status, content type, body valid against the schema, required
 * headers. The table covers every status of every operation the document declares, and the document lists exactly
 * the routes the server registers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiContractTest {
    private static final String TOKEN = "contract-token";
    private static final String[] AUTH = {"Authorization", "Bearer " + TOKEN};
    private static final String ALLOWED_ORIGIN = "https://ops.example";
    private static final int MAX_REQUEST_BYTES = 65536;

    private static final OpenApiContract CONTRACT = new OpenApiContract();

    private Path root;
    private ModelProbe probe;
    private ServerHarness http;
    private final ExecutorService callers = Executors.newFixedThreadPool(2);
    private final AtomicInteger repositories = new AtomicInteger();

    @BeforeAll
    void start(@TempDir Path root) {
        this.root = root;
        Path repo = ServerHarness.standardRepository(root.resolve("shared"));
        // admin rows load and unload spare only, so the other rows see the repository as it started
        writeYaml(repo.resolve("spare/1"), ScalingModel.yaml("spare", 1, 8));
        writeYaml(repo.resolve("spare/2"), ScalingModel.yaml("spare", 2, 8));
        probe = ModelProbe.open(repo);
        http = new ServerHarness(repo, Map.of("ADMIN_TOKEN", TOKEN, "ADMIN_ALLOWED_ORIGINS", ALLOWED_ORIGIN,
                "MAX_REQUEST_BYTES", Integer.toString(MAX_REQUEST_BYTES),
                // a body that stops is 408 after a window of 1 s; every other body here arrives at once
                "MIN_REQUEST_DATA_RATE", "1000", "REQUEST_RATE_WINDOW_S", "1", "IDLE_TIMEOUT_S", "120"));
    }

    @AfterAll
    void stop() {
        probe.close();
        callers.shutdown();
        http.close();
    }

    // ---- the table

    /** A request: method, path, headers, body. */
    record Call(String method, String path, Map<String, String> headers, byte[] body) {
        static Call get(String path, String... headers) {
            return new Call("GET", path, headerMap(headers), new byte[0]);
        }

        static Call options(String path, String... headers) {
            return new Call("OPTIONS", path, headerMap(headers), new byte[0]);
        }

        /** A POST of a JSON text, as {@code application/json} unless the headers name another type. */
        static Call post(String path, String body, String... headers) {
            Map<String, String> all = headerMap(headers);
            all.putIfAbsent("Content-Type", "application/json");
            return new Call("POST", path, all, body.getBytes(StandardCharsets.UTF_8));
        }

        private static Map<String, String> headerMap(String... headers) {
            Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 0; i < headers.length; i += 2) {
                map.put(headers[i], headers[i + 1]);
            }
            return map;
        }

        /** The length of the JSON object at the start of the body. */
        int jsonLength() {
            String declared = headers.get(V2Bodies.HEADER_LENGTH);
            return declared == null ? body.length : Integer.parseInt(declared);
        }
    }

    /** What a row does against the server; returns the answer the row is about. */
    @FunctionalInterface
    interface Exchange {
        OpenApiContract.Answer run(OpenApiContractTest test) throws Exception;
    }

    /**
     * A row: a request to one operation and the status it must get.
     *
     * @param label what the row shows
     * @param method the method of the operation the answer is checked against
     * @param path a path of that operation
     * @param status the status the server must answer
     * @param exchange the request, and whatever the row does to provoke that status
     */
    record Row(String label, String method, String path, int status, Exchange exchange) {
        @Override
        public String toString() {
            return method + " " + path + " " + status + ": " + label;
        }
    }

    private static Row row(String label, int status, Call call) {
        return new Row(label, call.method(), call.path(), status, t -> t.send(t.http, call));
    }

    private static Row row(String label, int status, Call call, Exchange exchange) {
        return new Row(label, call.method(), call.path(), status, exchange);
    }

    static Stream<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String v2x = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 2], \"datatype\": \"FP32\", \"data\": [1, -1]}]}";
        String big = " ".repeat(MAX_REQUEST_BYTES + 1) + xBody(1);
        for (String[] target : new String[][] {{"scale", ""}, {"scale", "/versions/2"}}) {
            String predict = "/v1/models/" + target[0] + target[1] + ":predict";
            String infer = "/v2/models/" + target[0] + target[1] + "/infer";
            String failing = target[1].isEmpty() ? "failing" : "failing/versions/1";
            String gated = target[1].isEmpty() ? "gated" : "gated/versions/1";
            rows.add(row("json", 200, Call.post(predict, xBody(1, 2))));
            rows.add(row("base64 answer", 200, Call.post(predict, xBody(1).replace("}}}",
                    "}}, \"outputs\": [\"y\"], \"codec\": \"base64\", \"timeout_ms\": 5000}"))));
            rows.add(row("not an object", 400, Call.post(predict, "[1]")));
            rows.add(row("not JSON", 400, Call.post(predict, "{\"inputs\": ")));
            rows.add(row("unknown model", 404, Call.post(predict.replace("scale", "nope"), xBody(1))));
            rows.add(row("stalled body", 408, Call.post(predict, ""), t -> t.stalledBody(predict)));
            rows.add(row("body too large", 413, Call.post(predict, big)));
            rows.add(row("no inputs", 422, Call.post(predict, "{}")));
            rows.add(row("model fails", 500, Call.post("/v1/models/" + failing + ":predict", xBody(1))));
            rows.add(row("queue full", 503, Call.post("/v1/models/" + gated + ":predict", xBody(1)),
                    t -> t.queueFull("/v1/models/" + gated + ":predict", xBody(1))));
            rows.add(row("queue timeout", 504, Call.post("/v1/models/" + gated + ":predict", xBody(1)),
                    t -> t.queueTimeout("/v1/models/" + gated + ":predict", xBody(1),
                            xBody(1).replace("}}}", "}}, \"timeout_ms\": 50}"))));

            rows.add(row("json", 200, Call.post(infer, v2x)));
            rows.add(row("binary in and out", 200, binaryInfer(infer)));
            rows.add(row("invalid", 400, Call.post(infer, "{\"inputs\": 3}")));
            rows.add(row("unknown model", 404, Call.post(infer.replace("scale", "nope"), v2x)));
            rows.add(row("stalled body", 408, Call.post(infer, ""), t -> t.stalledBody(infer)));
            rows.add(row("body too large", 413, Call.post(infer, big)));
            rows.add(row("model fails", 500, Call.post("/v2/models/" + failing + "/infer",
                    v2x.replace("[1, -1]", "[1, 2]"))));
            rows.add(row("queue full", 503, Call.post("/v2/models/" + gated + "/infer", v2x),
                    t -> t.queueFull("/v2/models/" + gated + "/infer", v2x)));
            rows.add(row("queue timeout", 504, Call.post("/v2/models/" + gated + "/infer", v2x),
                    t -> t.queueTimeout("/v2/models/" + gated + "/infer", v2x,
                            v2x.replace("]}]}", "]}], \"parameters\": {\"timeout_ms\": 50}}"))));
        }

        rows.add(row("two models", 200, Call.get("/v1/models")));
        rows.add(row("signature", 200, Call.get("/v1/models/multi_io")));
        rows.add(row("unknown model", 404, Call.get("/v1/models/nope")));
        rows.add(row("loaded version", 200, Call.get("/v1/models/torchscript/versions/2")));
        rows.add(row("leading zero", 404, Call.get("/v1/models/torchscript/versions/02")));
        rows.add(row("active", 200, Call.get("/v1/models/scale/active")));
        rows.add(row("none active", 200, Call.get("/v1/models/broken/active")));
        rows.add(row("unknown model", 404, Call.get("/v1/models/nope/active")));

        for (String verb : new String[] {"load", "unload"}) {
            String path = "/v1/models:" + verb;
            String spare = "{\"name\": \"spare\", \"version\": 1}";
            rows.add(row("spare 1", 200, Call.post(path, spare, AUTH),
                    t -> t.withSpare1Loaded(Call.post(path, spare, AUTH))));
            rows.add(row("allowed origin", 200, Call.post(path, spare, AUTH), t -> {
                OpenApiContract.Answer answer = t.withSpare1Loaded(Call.post(path, spare,
                        "Authorization", AUTH[1], "Origin", ALLOWED_ORIGIN));
                assertThat(answer.header("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
                return answer;
            }));
            rows.add(row("not an object", 400, Call.post(path, "[]", AUTH)));
            rows.add(row("no token", 401, Call.post(path, spare)));
            rows.add(row("wrong token", 401, Call.post(path, spare, "Authorization", "Bearer nope")));
            rows.add(row("other origin", 403, Call.post(path, spare,
                    "Authorization", AUTH[1], "Origin", "https://evil.example")));
            rows.add(row("no such model", 404, Call.post(path, "{\"name\": \"nope\", \"version\": 1}", AUTH)));
            rows.add(row("stalled body", 408, Call.post(path, ""),
                    t -> t.stalledBody(path, AUTH[0] + ": " + AUTH[1])));
            rows.add(row("body too large", 413, Call.post(path, big, AUTH)));
            rows.add(row("text/plain", 415, Call.post(path, spare, "Authorization", AUTH[1],
                    "Content-Type", "text/plain")));
            rows.add(row("no version", 422, Call.post(path, "{\"name\": \"spare\"}", AUTH)));
            rows.add(row("while draining", 503, Call.post(path, spare),
                    t -> t.whileDraining(Call.post(path, spare))));
            rows.add(row("allowed origin", 204, Call.options(path, "Origin", ALLOWED_ORIGIN)));
            rows.add(row("other origin", 403, Call.options(path, "Origin", "https://evil.example")));
        }
        rows.add(row("package that cannot load", 422,
                Call.post("/v1/models:load", "{\"name\": \"broken\", \"version\": 1}", AUTH)));

        rows.add(row("up", 200, Call.get("/health/live")));
        rows.add(row("ready", 200, Call.get("/health/ready")));
        rows.add(row("draining", 503, Call.get("/health/ready"), t -> t.whileDraining(Call.get("/health/ready"))));
        rows.add(row("after traffic", 200, Call.get("/metrics")));
        rows.add(row("itself", 200, Call.get("/openapi.json")));

        rows.add(row("server metadata", 200, Call.get("/v2")));
        rows.add(row("up", 200, Call.get("/v2/health/live")));
        rows.add(row("ready", 200, Call.get("/v2/health/ready")));
        rows.add(row("draining", 503, Call.get("/v2/health/ready"),
                t -> t.whileDraining(Call.get("/v2/health/ready"))));
        rows.add(row("active version", 200, Call.get("/v2/models/multi_io")));
        rows.add(row("unknown model", 404, Call.get("/v2/models/nope")));
        rows.add(row("loaded version", 200, Call.get("/v2/models/scale/versions/2")));
        rows.add(row("version not loaded", 404, Call.get("/v2/models/scale/versions/1")));
        rows.add(row("active loaded", 200, Call.get("/v2/models/scale/ready")));
        rows.add(row("unknown model", 404, Call.get("/v2/models/nope/ready")));
        rows.add(row("none active", 503, Call.get("/v2/models/broken/ready")));
        rows.add(row("loaded", 200, Call.get("/v2/models/scale/versions/2/ready")));
        rows.add(row("unknown model", 404, Call.get("/v2/models/nope/versions/1/ready")));
        rows.add(row("not loaded", 503, Call.get("/v2/models/scale/versions/1/ready")));

        // every operation refuses headers over Jetty's limit before any route runs
        String huge = "x".repeat(10 * 1024);
        for (OpenApiContract.Operation op : CONTRACT.operations()) {
            String path = op.template().replace("{name}", "scale").replace("{version}", "2");
            rows.add(row("headers too large", 431,
                    new Call(op.method(), path, Call.headerMap("X-Large", huge), new byte[0])));
        }
        return rows.stream();
    }

    /** x as one binary FP32 input, y asked for in binary. */
    private static Call binaryInfer(String path) {
        String json = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 2], \"datatype\": \"FP32\","
                + " \"parameters\": {\"binary_data_size\": 8}}], \"parameters\": {\"binary_data_output\": true}}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(head.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        body.put(head).putFloat(3f).putFloat(-3f);
        return new Call("POST", path, Call.headerMap("Content-Type", "application/octet-stream",
                V2Bodies.HEADER_LENGTH, Integer.toString(head.length)), body.array());
    }

    // ---- the tests

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyAnswerIsOneTheDocumentDeclares(Row row) throws Exception {
        OpenApiContract.Answer answer = row.exchange().run(this);
        assertThat(answer.status()).as("%s answered %s", row, answer).isEqualTo(row.status());
        // checked against the operation of the row, whatever the exchange did on its way
        CONTRACT.checkAnswer(CONTRACT.operation(row.method(), row.path()), answer);
    }

    @Test
    void theTableCoversEveryStatusOfEveryOperation() {
        Set<String> declared = new TreeSet<>();
        for (OpenApiContract.Operation op : CONTRACT.operations()) {
            op.statuses().forEach(status -> declared.add(op.id() + " " + status));
        }
        Set<String> exercised = new TreeSet<>();
        rows().forEach(r -> exercised.add(CONTRACT.operation(r.method(), r.path()).id() + " " + r.status()));
        assertThat(exercised).containsExactlyInAnyOrderElementsOf(declared);
    }

    @Test
    void theDocumentListsExactlyTheRegisteredRoutes() {
        assertThat(CONTRACT.routes()).containsExactlyInAnyOrderElementsOf(http.server.registeredRoutes());
        assertThat(http.server.registeredRoutes()).containsExactlyInAnyOrderElementsOf(InfernoServer.ROUTES);
    }

    @Test
    void theServerServesTheDocumentTheTestsRead() throws IOException {
        try (InputStream in = OpenApiContractTest.class.getResourceAsStream("/" + OpenApiContract.RESOURCE)) {
            assertThat(send(http, Call.get("/openapi.json")).body()).isEqualTo(in.readAllBytes());
        }
    }

    @Test
    void answersOutsideAnyOperationAreErrorBodiesToo() {
        OpenApiContract.Answer noRoute = send(http, Call.get("/v1/nope"), false);
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(CONTRACT.problems("Error", noRoute.text())).isEmpty();
        OpenApiContract.Answer wrongMethod = send(http, Call.get("/v1/models:load"), false);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(CONTRACT.problems("Error", wrongMethod.text())).isEmpty();
        OpenApiContract.Answer v2NoRoute = send(http, Call.get("/v2/nope"), false);
        assertThat(v2NoRoute.status()).isEqualTo(404);
        assertThat(CONTRACT.problems("V2Error", v2NoRoute.text())).isEmpty();
        try (RawHttp raw = new RawHttp(http.server.port())) {
            RawHttp.Response badUri = raw.send("GET /v1/models/%zz HTTP/1.1\r\nHost: test\r\n\r\n").read();
            assertThat(badUri.status()).isEqualTo(400);
            assertThat(CONTRACT.problems("Error", badUri.body())).isEmpty();
        }
    }

    @Test
    void theFleetViewOfASharedStoreIsOneTheDocumentDeclares() throws Exception {
        Path repo = root.resolve("fleet");
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        try (EmbeddedRedis redis = EmbeddedRedis.start();
                ServerHarness shared = new ServerHarness(repo, Map.of("REDIS_URL", redis.uri(),
                        "REDIS_PREFIX", EmbeddedRedis.uniquePrefix(), "STATE_RECONCILE_INTERVAL_S", "0.5"))) {
            Await.until("the replica's heartbeat with scale 1 loaded in the fleet view", () -> ServerHarness.json(
                    shared.get("/v1/models")).at("/fleet/0/loaded/scale").toString().equals("[1]"));
            OpenApiContract.Answer models = send(shared, Call.get("/v1/models"));
            assertThat(ServerHarness.json(models.text()).get("fleet")).hasSize(1);
        }
    }

    @Test
    void madeUpBodiesFailTheSchemas() {
        String list = "{\"models\": [{\"name\": \"m\", \"active_version\": null, \"loaded_versions\": [],"
                + " \"versions_on_disk\": [1], \"failures\": [{\"version\": 1, \"reason\": \"r\"}]}],"
                + " \"state_store\": {\"shared\": false, \"healthy\": true}}";
        assertThat(CONTRACT.problems("ModelList", list)).isEmpty();
        assertThat(CONTRACT.problems("ModelList", "{}")).isNotEmpty();
        assertThat(CONTRACT.problems("ModelList", list.replace("\"m\"", "3"))).isNotEmpty();
        assertThat(CONTRACT.problems("ModelList", list.replace("}}", "}, \"extra\": 1}"))).isNotEmpty();
        assertThat(CONTRACT.problems("ModelList", list.replace("\"active_version\": null, ", ""))).isNotEmpty();
        assertThat(CONTRACT.problems("Error", "{\"error\": \"v2 shape\"}")).isNotEmpty();
        assertThat(CONTRACT.problems("V2Error", "{\"detail\": \"native shape\"}")).isNotEmpty();
        String tensor = "{\"dtype\": \"float32\", \"shape\": [2], \"data\": [1.5, \"NaN\"]}";
        assertThat(CONTRACT.problems("TensorPayload", tensor)).isEmpty();
        assertThat(CONTRACT.problems("TensorPayload", tensor.replace("}", ", \"base64\": \"AAAA\"}"))).isNotEmpty();
        assertThat(CONTRACT.problems("TensorPayload", tensor.replace("float32", "float8"))).isNotEmpty();
        assertThat(CONTRACT.problems("TensorPayload", tensor.replace("\"NaN\"", "\"one\""))).isNotEmpty();
        assertThat(CONTRACT.problems("V2InferResponse", "{\"model_name\": \"m\", \"model_version\": \"1\","
                + " \"outputs\": [{\"name\": \"y\", \"datatype\": \"FP32\", \"shape\": [1]}]}"))
                .as("an output with neither data nor binary_data_size").isNotEmpty();
    }

    // ---- exchanges

    private OpenApiContract.Answer send(ServerHarness server, Call call) {
        return send(server, call, true);
    }

    /** Sends a call; with {@code check}, its answer (and, when it succeeded, its body) is checked too. */
    private OpenApiContract.Answer send(ServerHarness server, Call call, boolean check) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(call.path())).method(call.method(),
                call.body().length == 0 && !call.method().equals("POST") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(call.body()));
        call.headers().forEach(b::header);
        HttpResponse<byte[]> r;
        try {
            r = server.client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        r.headers().map().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        OpenApiContract.Answer answer = new OpenApiContract.Answer(r.statusCode(), headers, r.body());
        return check ? check(call, answer) : answer;
    }

    /** Checks an answer against the operation of its call and, when it succeeded, the call's body. */
    private static OpenApiContract.Answer check(Call call, OpenApiContract.Answer answer) {
        OpenApiContract.Operation op = CONTRACT.operation(call.method(), call.path());
        CONTRACT.checkAnswer(op, answer);
        if (answer.status() / 100 == 2 && call.body().length > 0) {
            CONTRACT.checkRequest(op, call.body(), call.jsonLength());
        }
        return answer;
    }

    /**
     * Sends a call on another thread, unchecked (a failed check there would leave the row waiting at a gate):
     * {@link #check} its answer once it is done.
     */
    private CompletableFuture<OpenApiContract.Answer> sendAsync(ServerHarness server, Call call) {
        return CompletableFuture.supplyAsync(() -> send(server, call, false), callers);
    }

    /**
     * Sends an admin call with spare's version 1 loaded first, then makes version 2 active again: the state every
     * other row expects.
     */
    private OpenApiContract.Answer withSpare1Loaded(Call call) {
        send(http, Call.post("/v1/models:load", "{\"name\": \"spare\", \"version\": 1}", AUTH));
        OpenApiContract.Answer answer = send(http, call);
        send(http, Call.post("/v1/models:load", "{\"name\": \"spare\", \"version\": 2}", AUTH));
        return answer;
    }

    /** A POST whose body stops after its first byte: 408 once a rate window passes without the rest. */
    private OpenApiContract.Answer stalledBody(String path, String... headers) {
        String[] all = new String[headers.length + 2];
        System.arraycopy(headers, 0, all, 0, headers.length);
        all[headers.length] = "Content-Length: 100";
        all[headers.length + 1] = "Content-Type: application/json";
        try (RawHttp raw = new RawHttp(http.server.port())) {
            RawHttp.Response r = raw.send(RawHttp.head("POST", path, all) + "{").read();
            Map<String, String> answerHeaders = new HashMap<>(r.headers());
            return new OpenApiContract.Answer(r.status(), answerHeaders, r.body().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * gated runs one request at a time and queues one: with one held in the model and one queued, the next is 503.
     * Every request that passed the gate is awaited, so the next row starts with no arrival counted.
     */
    private OpenApiContract.Answer queueFull(String path, String body) throws Exception {
        ModelProbe.Gate gate = probe.predictions("gated");
        gate.hold();
        try {
            Call call = Call.post(path, body);
            CompletableFuture<OpenApiContract.Answer> running = sendAsync(http, call);
            gate.awaitArrivals(1);
            CompletableFuture<OpenApiContract.Answer> queued = sendAsync(http, call);
            Await.until("one request queued", () -> http.gauge("infer_queue_depth", "gated") == 1);
            OpenApiContract.Answer refused = send(http, call, false);
            gate.release();
            assertThat(check(call, done(running)).status()).isEqualTo(200);
            assertThat(check(call, done(queued)).status()).isEqualTo(200);
            gate.awaitArrivals(1); // the queued one passed the gate
            return refused;
        } finally {
            gate.release();
        }
    }

    /** With one request ({@code body}) held in gated, {@code late}, with a 50 ms timeout, expires in the queue. */
    private OpenApiContract.Answer queueTimeout(String path, String body, String late) throws Exception {
        ModelProbe.Gate gate = probe.predictions("gated");
        gate.hold();
        try {
            Call call = Call.post(path, body);
            CompletableFuture<OpenApiContract.Answer> running = sendAsync(http, call);
            gate.awaitArrivals(1);
            OpenApiContract.Answer expired = send(http, Call.post(path, late), false);
            gate.release();
            assertThat(check(call, done(running)).status()).isEqualTo(200);
            return expired;
        } finally {
            gate.release();
        }
    }

    /**
     * A server of its own, shutting down with one request held in a model so that it answers while it drains:
     * {@code call} is sent then.
     */
    private OpenApiContract.Answer whileDraining(Call call) throws Exception {
        Path repo = root.resolve("draining-" + repositories.incrementAndGet());
        writeYaml(repo.resolve("gated/1"), TestModels.yaml("gated", 1, TestModels.Gated.class.getName(), 8, 1));
        try (ModelProbe own = ModelProbe.open(repo)) {
            ModelProbe.Gate gate = own.predictions("gated");
            ServerHarness server = new ServerHarness(repo, Map.of());
            try {
                gate.hold();
                Call held = Call.post("/v1/models/gated:predict", xBody(1));
                CompletableFuture<OpenApiContract.Answer> inFlight = sendAsync(server, held);
                gate.awaitArrivals(1);
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(server.server::shutdown, callers);
                Await.until("readiness turned off", () -> server.get("/health/ready").statusCode() == 503);
                OpenApiContract.Answer answer = send(server, call, false);
                gate.release();
                assertThat(check(held, done(inFlight)).status()).isEqualTo(200);
                done(stopping);
                return answer;
            } finally {
                gate.release();
                server.close();
            }
        }
    }
}
