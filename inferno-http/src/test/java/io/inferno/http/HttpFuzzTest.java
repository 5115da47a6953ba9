package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.testing.ScalingModel;
import io.inferno.text.ClientText;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes every route that takes a body through the real server: valid predict (JSON and base64 payloads) and admin
 * requests, edited as a client might get them wrong. Whatever is sent, the answer must be a status docs/api.md
 * documents for the route, as a JSON object with a string {@code detail} when it is an error: never a 500, never a
 * body that is not JSON, never silence (every request has a 10 s client timeout). After each property the server
 * must still be ready and still predict correctly.
 *
 * <p>Tries per property come from {@code jqwik.tries.default} (src/test/resources/junit-platform.properties);
 * {@code -Djqwik.tries.default=20000} runs more. The seed is random; jqwik prints it with a failure and replays the
 * failing sample first on the next run (its database is in target/). See docs/validation.md.
 */
class HttpFuzzTest {
    private static final String TOKEN = "fuzz-admin-token";
    /** Small, so that the huge strings of the fuzzer pass it now and then (413). */
    private static final int MAX_REQUEST_BYTES = 65_536;
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

    /** What docs/api.md lets each route answer (500 only for a model that fails, and no model here fails). */
    enum Route {
        PREDICT(200, 400, 404, 405, 413, 422, 503, 504),
        /** 415 once the admin routes require a JSON content type (that change is in progress). */
        ADMIN(200, 400, 401, 404, 405, 413, 415, 422, 503),
        /** The Open Inference Protocol's infer (docs/open-inference-protocol.md): 400 where the native API says 422. */
        V2_INFER(200, 400, 404, 405, 408, 413, 503, 504);

        final Set<Integer> statuses;

        Route(Integer... statuses) {
            this.statuses = Set.of(statuses);
        }
    }

    /** A valid request to start from. */
    record Seed(Route route, String path, FuzzJson body) {
        @Override
        public String toString() {
            return path + " " + body;
        }
    }

    /** One HTTP request as sent. */
    record Call(Route route, String method, String path, List<String> headers, byte[] body) {
        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "\u2423");
            return method + " " + path + " " + headers + " (" + body.length + " bytes) "
                    + ClientText.truncate(text, 600);
        }
    }

    private static Path root;
    private static ServerHarness http;

    @BeforeContainer
    static void start() throws IOException {
        root = Files.createTempDirectory("inferno-fuzz");
        writeYaml(root.resolve("scale/3"), ScalingModel.yaml("scale", 3, 8)); // y = 3 x
        writeYaml(root.resolve("echo/1"), TestModels.echoYaml("echo", 1));
        // what the admin requests load and unload, so that predictions on scale and echo go on
        writeYaml(root.resolve("spare/1"), ScalingModel.yaml("spare", 1, 8));
        writeYaml(root.resolve("spare/2"), ScalingModel.yaml("spare", 2, 8));
        writeYaml(root.resolve("broken/1"), TestModels.yaml("broken", 1, "com.acme.Missing", 16, 8));
        http = new ServerHarness(root, Map.of("MAX_REQUEST_BYTES", Integer.toString(MAX_REQUEST_BYTES),
                "ADMIN_TOKEN", TOKEN));
        for (Seed seed : predictSeeds()) { // each is valid, so the edits start from something served
            HttpResponse<String> r = http.post(seed.path(), seed.body().text());
            assertThat(r.statusCode()).as(seed + ": " + r.body()).isEqualTo(200);
        }
    }

    @AfterContainer
    static void stop() throws IOException {
        if (http != null) {
            http.close();
        }
        if (root == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @AfterProperty
    void theServerIsStillReadyAndStillPredictsCorrectly() {
        assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> r = http.post("/v1/models/scale:predict", xBody(1, 2));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).at("/outputs/y/data").toString()).isEqualTo("[[3.0,-3.0],[6.0,-6.0]]");
    }

    // ---- properties

    @Property
    void aPredictBodyWithEditedValuesGetsADocumentedAnswer(@ForAll("predictSeed") Seed seed,
            @ForAll("treeEdits") List<TreeEdit> edits, @ForAll("bodyHeaders") List<String> bodyHeaders) {
        FuzzJson body = edit(seed.body(), edits);
        check(new Call(seed.route(), "POST", seed.path(), headers(seed.route(), bodyHeaders, TOKEN), body.bytes()));
    }

    @Property
    void anAdminBodyWithEditedValuesGetsADocumentedAnswer(@ForAll("adminSeed") Seed seed,
            @ForAll("treeEdits") List<TreeEdit> edits, @ForAll("bodyHeaders") List<String> bodyHeaders,
            @ForAll("authorizations") String authorization) {
        FuzzJson body = edit(seed.body(), edits);
        check(new Call(seed.route(), "POST", seed.path(), headers(seed.route(), bodyHeaders, authorization),
                body.bytes()));
    }

    @Property
    void aBodyWithDamagedBytesGetsADocumentedAnswer(@ForAll("anySeed") Seed seed,
            @ForAll("byteEdits") List<ByteEdit> edits, @ForAll("bodyHeaders") List<String> bodyHeaders) {
        byte[] body = seed.body().bytes();
        for (ByteEdit e : edits) {
            body = e.apply(body);
        }
        check(new Call(seed.route(), "POST", seed.path(), headers(seed.route(), bodyHeaders, TOKEN), body));
    }

    /**
     * A path to send a valid body to. {@code canonical} when it is a route as documented, spelt the one way (a
     * trailing slash and a query string allowed): only such a path may serve the request.
     */
    record Target(Route route, String path, boolean canonical) {}

    @Property
    void anOddPathOrMethodGetsADocumentedAnswer(@ForAll("oddPaths") Target target, @ForAll("methods") String method) {
        Seed seed = target.route() == Route.PREDICT ? predictSeeds().get(0) : adminSeeds().get(0);
        int status = check(new Call(target.route(), method, target.path(),
                headers(target.route(), List.of("Content-Type", "application/json"), TOKEN), seed.body().bytes()));
        if (!target.canonical() || !method.equals("POST")) {
            assertThat(status).as("%s %s served", method, target.path()).isNotEqualTo(200);
        }
    }

    // ---- sending and checking

    /** Names and values, in turns. */
    private static List<String> headers(Route route, List<String> bodyHeaders, String authorization) {
        List<String> headers = new ArrayList<>(bodyHeaders);
        if (route == Route.ADMIN && !authorization.isEmpty()) {
            headers.addAll(List.of("Authorization", authorization.equals(TOKEN) ? "Bearer " + TOKEN : authorization));
        }
        return headers;
    }

    /** The call before, for failure messages (a connection is reused). */
    private static Call previous;

    /** Sends {@code call} and checks the answer; returns its status. */
    private static int check(Call call) {
        try {
            return exchange(call);
        } finally {
            previous = call;
        }
    }

    private static int exchange(Call call) {
        boolean jettyRejects = jettyRejectsThePath(call.path());
        OwnConnection.Answer r;
        try {
            r = jettyRejects || call.headers().contains("Expect") ? OwnConnection.exchange(http.server.port(),
                    call.method(), call.path(), call.headers(), call.body(), ANSWER_WITHIN) : send(call);
        } catch (HttpTimeoutException | SocketTimeoutException e) {
            throw new AssertionError("no answer within " + ANSWER_WITHIN + " to " + call + "\nafter " + previous, e);
        } catch (IOException e) {
            throw new AssertionError("no answer (" + e + ") to " + call + "\nafter " + previous, e);
        }
        if (jettyRejects) {
            // Jetty refuses these URIs itself, before any handler of ours (JsonErrorHandler answers), and closes
            // the connection: hence a connection of their own
            Statistics.label("status").collect(r.status() + " (Jetty)");
        }
        Statistics.label("status").collect(r.status());
        String about = r.status() + " " + ClientText.truncate(new String(r.body(), StandardCharsets.UTF_8), 600)
                + "\nto " + call;
        Set<Integer> documented = jettyRejects ? Set.of(400)
                : call.method().equals("POST") ? call.route().statuses : Set.of(404, 405);
        assertThat(documented)
                .as("documented statuses; got %s", about).contains(r.status());
        assertThat(r.header("Content-Type").orElse("none")).as(about).contains("application/json");
        assertThat(r.header("X-Request-ID")).as(about).isPresent();
        JsonNode body;
        try {
            body = ServerHarness.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("answer is not JSON: " + about, e);
        }
        assertThat(body.isObject()).as(about).isTrue();
        boolean v2 = call.route() == Route.V2_INFER;
        if (r.status() == 200 && call.route() == Route.PREDICT) {
            FuzzAnswers.checkPrediction(r.body(), about);
        } else if (r.status() == 200 && v2) {
            assertThat(body.path("outputs").isArray()).as(about).isTrue();
            assertThat(body.path("model_name").isTextual()).as(about).isTrue();
        } else if (r.status() == 200) {
            assertThat(body.has(call.path().contains(":unload") ? "unloaded" : "loaded")).as(about).isTrue();
        } else {
            String field = v2 ? "error" : "detail";
            assertThat(body.path(field).isTextual()).as("a string " + field + ": " + about).isTrue();
            assertThat(body.get(field).asText().length()).as(field + " length: " + about)
                    .isLessThanOrEqualTo(ErrorMapping.MAX_DETAIL_CHARS);
        }
        if (r.status() == 400 && !jettyRejects && !v2) {
            assertThat(FuzzAnswers.isPlainJsonObject(call.body())).as("400 for a plain JSON object: " + about)
                    .isFalse();
        }
        return r.status();
    }

    /**
     * Sends {@code call} with the harness's client, which keeps connections alive, and waits for the whole answer
     * at most {@link #ANSWER_WITHIN} (the client's own timeout ends with the head of the answer).
     */
    private static OwnConnection.Answer send(Call call) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(call.path())).timeout(ANSWER_WITHIN)
                .method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()));
        for (int i = 0; i < call.headers().size(); i += 2) {
            request.header(call.headers().get(i), call.headers().get(i + 1));
        }
        CompletableFuture<HttpResponse<byte[]>> sent = http.client.sendAsync(request.build(),
                HttpResponse.BodyHandlers.ofByteArray());
        try {
            HttpResponse<byte[]> r = sent.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, String> headers = new TreeMap<>();
            r.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
            return new OwnConnection.Answer(r.statusCode(), headers, r.body());
        } catch (TimeoutException e) {
            sent.cancel(true);
            throw new HttpTimeoutException("no whole answer within " + ANSWER_WITHIN);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A path segment with a NUL or with percent-escapes that are not UTF-8. */
    private static boolean jettyRejectsThePath(String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return Stream.of("%00", "%FF", "%C0%80", "%ED%A0%80").anyMatch(p::contains);
    }

    // ---- valid requests to start from

    private static final String X_BASE64 = base64Floats(1.5f, -1.5f);

    static List<Seed> predictSeeds() {
        return List.of(
                new Seed(Route.PREDICT, "/v1/models/scale:predict", FuzzJson.parse("""
                        {"inputs": {"x": {"dtype": "float32", "shape": [2, 2], "data": [[1.5, -1.5], [2, -2]]}},
                         "outputs": ["y"], "timeout_ms": 5000, "codec": "json"}""")),
                new Seed(Route.PREDICT, "/v1/models/scale/versions/3:predict", FuzzJson.parse("""
                        {"inputs": {"x": {"dtype": "float32", "shape": [1, 2], "base64": "%s"}},
                         "codec": "base64"}""".formatted(X_BASE64))),
                new Seed(Route.PREDICT, "/v1/models/scale:predict", FuzzJson.parse("""
                        {"inputs": {"x": {"shape": [1, 2], "data": [[0.1, 1e-3]], "dtype": "float32"}},
                         "outputs": ["x_copy", "y"]}""")),
                new Seed(Route.PREDICT, "/v1/models/scale:predict", FuzzJson.parse("""
                        {"inputs": {"x": {"dtype": "float32", "shape": [2, 2],
                          "data": [[3.4028235e38, -1e-45], ["NaN", "-Infinity"]]}}, "codec": "json"}""")),
                new Seed(Route.PREDICT, "/v1/models/echo:predict", FuzzJson.parse("""
                        {"inputs": {"tokens": {"dtype": "int64", "shape": [1, 0], "data": [[]]},
                          "image": {"dtype": "uint8", "shape": [1, 0, 3], "base64": ""}}, "outputs": ["tokens"]}""")),
                new Seed(Route.PREDICT, "/v1/models/echo:predict", FuzzJson.parse("""
                        {"inputs": {
                          "tokens": {"dtype": "int64", "shape": [2, 3], "data": [[1, 2, 3], [-4, 5, 9007199254740993]]},
                          "mask": {"dtype": "bool", "shape": [2, 3],
                                   "data": [[true, true, false], [true, false, false]]},
                          "scale": {"dtype": "float16", "shape": [], "data": 0.5},
                          "image": {"dtype": "uint8", "shape": [2, 1, 3], "base64": "AAECAwT/"},
                          "bias": {"dtype": "bfloat16", "shape": [3], "data": ["NaN", "-Infinity", 1.25]}},
                         "timeout_ms": 86400000}""")),
                new Seed(Route.V2_INFER, "/v2/models/scale/infer", FuzzJson.parse("""
                        {"id": "f1", "inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32",
                          "data": [1.5, -1.5, 2, -2]}], "outputs": [{"name": "y"}],
                         "parameters": {"timeout_ms": 5000}}""")),
                new Seed(Route.V2_INFER, "/v2/models/echo/versions/1/infer", FuzzJson.parse("""
                        {"inputs": [{"name": "tokens", "shape": [2, 3], "datatype": "INT64",
                                     "data": [[1, 2, 3], [-4, 5, 9007199254740993]]},
                          {"name": "mask", "shape": [2, 3], "datatype": "BOOL",
                           "data": [true, true, false, true, false, false]},
                          {"name": "scale", "shape": [], "datatype": "FP16", "data": 0.5},
                          {"name": "bias", "shape": [3], "datatype": "BF16", "data": ["NaN", "-Infinity", 1.25]}],
                         "parameters": {"timeout": 86400000000, "binary_data_output": false}}""")));
    }

    static List<Seed> adminSeeds() {
        return List.of(
                new Seed(Route.ADMIN, "/v1/models:load", FuzzJson.parse("{\"name\": \"spare\", \"version\": 2}")),
                new Seed(Route.ADMIN, "/v1/models:load", FuzzJson.parse("{\"name\": \"spare\", \"version\": 1}")),
                new Seed(Route.ADMIN, "/v1/models:unload", FuzzJson.parse("{\"version\": 2, \"name\": \"spare\"}")),
                new Seed(Route.ADMIN, "/v1/models:load", FuzzJson.parse("{\"name\": \"broken\", \"version\": 1}")));
    }

    private static String base64Floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    @Provide
    Arbitrary<Seed> predictSeed() {
        return Arbitraries.of(predictSeeds());
    }

    @Provide
    Arbitrary<Seed> adminSeed() {
        return Arbitraries.of(adminSeeds());
    }

    @Provide
    Arbitrary<Seed> anySeed() {
        List<Seed> all = new ArrayList<>(predictSeeds());
        all.addAll(adminSeeds());
        return Arbitraries.of(all);
    }

    // ---- edits of the JSON tree

    /** One edit of a document; {@code at} picks the place, modulo the number of places. */
    sealed interface TreeEdit {
        void apply(FuzzJson root, List<FuzzJson.Slot> slots);

        default FuzzJson.Slot pick(List<FuzzJson.Slot> slots, int at) {
            return slots.get(at % slots.size());
        }
    }

    record Delete(int at) implements TreeEdit {
        @Override
        public void apply(FuzzJson root, List<FuzzJson.Slot> slots) {
            pick(slots, at).remove();
        }
    }

    record Duplicate(int at) implements TreeEdit {
        @Override
        public void apply(FuzzJson root, List<FuzzJson.Slot> slots) {
            pick(slots, at).duplicate();
        }
    }

    record Rename(int at, String name) implements TreeEdit {
        @Override
        public void apply(FuzzJson root, List<FuzzJson.Slot> slots) {
            pick(slots, at).rename(name);
        }

        @Override
        public String toString() {
            return "Rename[at=" + at + ", name=" + ClientText.quote(name) + "]";
        }
    }

    record Replace(int at, FuzzJson value) implements TreeEdit {
        @Override
        public void apply(FuzzJson root, List<FuzzJson.Slot> slots) {
            pick(slots, at).set(value.copy());
        }

        @Override
        public String toString() {
            return "Replace[at=" + at + ", value=" + ClientText.truncate(value.text(), 200) + "]";
        }
    }

    /**
     * Wraps the value in {@code depth} lists, or objects of one member. The result is kept as text, so that later
     * edits (and this test's own recursion) do not go down a thousand levels.
     */
    record Nest(int at, int depth, boolean objects) implements TreeEdit {
        @Override
        public void apply(FuzzJson root, List<FuzzJson.Slot> slots) {
            FuzzJson.Slot slot = pick(slots, at);
            String open = objects ? "{\"data\":" : "[";
            String close = objects ? "}" : "]";
            slot.set(new FuzzJson.Raw(open.repeat(depth) + slot.value().text() + close.repeat(depth)));
        }
    }

    private static FuzzJson edit(FuzzJson seed, List<TreeEdit> edits) {
        FuzzJson doc = seed.copy();
        for (TreeEdit e : edits) {
            List<FuzzJson.Slot> slots = doc.slots();
            if (!slots.isEmpty()) {
                e.apply(doc, slots);
            }
        }
        return doc;
    }

    @Provide
    Arbitrary<List<TreeEdit>> treeEdits() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, 1000);
        Arbitrary<TreeEdit> edit = Arbitraries.frequencyOf(
                Tuple.of(2, at.map(Delete::new)),
                Tuple.of(2, at.map(Duplicate::new)),
                Tuple.of(2, Combinators.combine(at, names()).as(Rename::new)),
                Tuple.of(6, Combinators.combine(at, values()).as(Replace::new)),
                Tuple.of(1, Combinators.combine(at, Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.integers().between(1, 70)),
                        Tuple.of(1, Arbitraries.integers().between(900, 3000))),
                        Arbitraries.of(true, false)).as(Nest::new)));
        return edit.list().ofMinSize(1).ofMaxSize(4);
    }

    private static Arbitrary<String> names() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("", "inputs", "outputs", "timeout_ms", "codec", "dtype", "shape", "data",
                        "base64", "x", "y", "x_copy", "tokens", "mask", "scale", "image", "bias", "name", "version",
                        "\u00e9", "\ud83d\udd25", "\ud800", "\u0000", "\"", "\\", "__proto__")),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(12)),
                Tuple.of(1, Arbitraries.of("n".repeat(5_000), "n".repeat(55_000), "\u00e9".repeat(20_000))));
    }

    /** Values of every JSON kind, many of them extreme; numbers and literals as raw text, some not valid JSON. */
    static Arbitrary<FuzzJson> values() {
        Arbitrary<FuzzJson> rawNumbers = Arbitraries.of("0", "-0", "-0.0", "1", "-1", "3", "1.5", "2.0", "1e3",
                "1E-7", "1e400", "-1e400", "1e-400", "1e39", "-1e39", "3.4028235e38", "65504", "65520", "255", "256",
                "-128", "-129", "32768", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
                "-9223372036854775809", "99999999999999999999", "86400001", "0.000000000000000000000001",
                "1" + "0".repeat(1200), "0." + "1".repeat(1200)).map(FuzzJson.Raw::new);
        Arbitrary<FuzzJson> anyNumbers = Arbitraries.oneOf(
                Arbitraries.longs().map(Object::toString),
                Arbitraries.doubles().map(Object::toString),
                Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(30).negate(),
                        java.math.BigInteger.TEN.pow(30)).map(Object::toString)).map(FuzzJson.Raw::new);
        Arbitrary<FuzzJson> literals = Arbitraries.of("true", "false", "null", "NaN", "Infinity", "-Infinity", "01",
                "+1", ".5", "1.", "0x10", "1e", "--1", "tru", "nul", "", "undefined", "'a'", "[", "{", "]", "}")
                .map(FuzzJson.Raw::new);
        Arbitrary<FuzzJson> strings = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("", "NaN", "Infinity", "-Infinity", "nan", "bool", "uint8", "int8", "int16",
                        "int32", "int64", "float16", "bfloat16", "float32", "float64", "float8", "FLOAT32", "json",
                        "base64", "xml", "x", "y", "spare", "broken", "nope", "1", "-1", "2", "1e3", "\u00e9",
                        "\ud800", "\udfff\ud800", "\u0000", "\ud83d\udd25")),
                Tuple.of(3, base64Texts()),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(12)),
                Tuple.of(1, Arbitraries.of("a".repeat(70_000), "\u00e9".repeat(20_000), "x".repeat(5_000),
                        "A".repeat(40_000)))).map(FuzzJson::string);
        Arbitrary<FuzzJson> shapes = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("0", "1", "2", "3", "-1", "65536", "2147483648", "4294967296",
                        "9223372036854775807", "1.5", "\"2\"", "null")),
                Tuple.of(1, Arbitraries.of("99999999999999999999", "[2]", "{}")))
                .list().ofMaxSize(70).map(HttpFuzzTest::rawList);
        Arbitrary<FuzzJson> containers = Arbitraries.of("[]", "{}", "[1]", "[[1,2]]", "[[1,2],[3,4]]", "[[[1,2]]]",
                "[null]", "[\"a\"]", "[true,false]", "[[\"NaN\",\"Infinity\"]]", "{\"a\":1}",
                "{\"dtype\":\"float32\",\"shape\":[1,2],\"data\":[[1,2]]}",
                "{\"dtype\":\"float32\",\"shape\":[1,2],\"base64\":\"AACAPwAAAEA=\"}",
                "{\"x\":{\"dtype\":\"float32\",\"shape\":[1,2],\"data\":[[1,2]]}}").map(FuzzJson::parse);
        return Arbitraries.frequencyOf(
                Tuple.of(4, rawNumbers), Tuple.of(2, anyNumbers), Tuple.of(2, literals), Tuple.of(4, strings),
                Tuple.of(2, shapes), Tuple.of(2, containers));
    }

    private static FuzzJson rawList(List<String> items) {
        FuzzJson.Arr a = new FuzzJson.Arr();
        items.forEach(i -> a.with(new FuzzJson.Raw(i)));
        return a;
    }

    private static Arbitrary<String> base64Texts() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(24).map(b -> Base64.getEncoder().encodeToString(b)),
                Arbitraries.of("A", "AA", "AAA", "AAA=", "AA==", "====", "A===", "AA=A", "AAAA====", "AA==AA==",
                        "@@@@", "AAAA\n", " AAAA", "AAAA ", "AA\u00e9=", "-_-_", "AAECAwT/", "AAECAwT/AAECAwT/"));
    }

    // ---- edits of the bytes

    /** One edit of the encoded body; {@code at} is a position modulo the body's length. */
    sealed interface ByteEdit {
        byte[] apply(byte[] body);
    }

    record Truncate(int at) implements ByteEdit {
        @Override
        public byte[] apply(byte[] body) {
            return body.length == 0 ? body : Arrays.copyOf(body, at % body.length);
        }
    }

    record Insert(int at, byte[] bytes) implements ByteEdit {
        @Override
        public byte[] apply(byte[] body) {
            int p = body.length == 0 ? 0 : at % (body.length + 1);
            byte[] out = new byte[body.length + bytes.length];
            System.arraycopy(body, 0, out, 0, p);
            System.arraycopy(bytes, 0, out, p, bytes.length);
            System.arraycopy(body, p, out, p + bytes.length, body.length - p);
            return out;
        }

        @Override
        public String toString() {
            return "Insert[at=" + at + ", bytes=" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    record Overwrite(int at, byte[] bytes) implements ByteEdit {
        @Override
        public byte[] apply(byte[] body) {
            byte[] out = body.clone();
            for (int i = 0; i < bytes.length && body.length > 0; i++) {
                out[(at + i) % body.length] = bytes[i];
            }
            return out;
        }

        @Override
        public String toString() {
            return "Overwrite[at=" + at + ", bytes=" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    /** The same text in another encoding (JSON parsers detect UTF-16 and UTF-32). */
    record Recode(String charset) implements ByteEdit {
        @Override
        public byte[] apply(byte[] body) {
            return new String(body, StandardCharsets.UTF_8).getBytes(Charset.forName(charset));
        }
    }

    record ReplaceAll(byte[] bytes) implements ByteEdit {
        @Override
        public byte[] apply(byte[] body) {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "ReplaceAll[bytes=" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    @Provide
    Arbitrary<List<ByteEdit>> byteEdits() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, 100_000);
        Arbitrary<ByteEdit> edit = Arbitraries.frequencyOf(
                Tuple.of(3, at.map(Truncate::new)),
                Tuple.of(4, Combinators.combine(at, odd()).as(Insert::new)),
                Tuple.of(3, Combinators.combine(at, odd()).as(Overwrite::new)),
                Tuple.of(2, Combinators.combine(Arbitraries.just(0), odd()).as(Insert::new)), // a prefix, such as a BOM
                Tuple.of(1, Arbitraries.of("UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE", "ISO-8859-1")
                        .map(Recode::new)),
                Tuple.of(2, Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                        Tuple.of(1, odd())).map(ReplaceAll::new)));
        return edit.list().ofMinSize(1).ofMaxSize(3);
    }

    /** Random bytes, or sequences a JSON reader must be careful with: invalid UTF-8, byte order marks, NULs. */
    private static Arbitrary<byte[]> odd() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)),
                Tuple.of(3, Arbitraries.of("c328", "a0a1", "e228a1", "f0288cbc", "f8a1a1a1a1", "ff", "fe", "c080",
                        "eda080", "edbfbf", "f4908080", "e2", "f09f", "efbbbf", "feff", "fffe", "0000feff", "fffe0000",
                        "00", "000000", "0022", "2200", "20", "0a0d09", "7b", "7d", "5b", "5d", "2c", "3a", "22", "5c",
                        "5c75", "5c7564383030", "2f2a", "2f2f", "23")
                        .map(HexFormat.of()::parseHex)));
    }

    // ---- paths, methods, headers

    @Provide
    Arbitrary<Target> oddPaths() {
        Arbitrary<String> names = Arbitraries.of("scale", "", "nope", "SCALE", "scale%2Fversions%2F3", "%2E%2E",
                "..", ".", "a:b", "scale:predict", "%C3%A9", "%E2%9C%93", "%F0%9F%94%A5", "%FF", "%C0%80", "%00",
                "%20", "%25", "scale;v=1", "scale%3Bv", "x".repeat(3_000), "scale%3Apredict", "%ED%A0%80");
        Arbitrary<String> versions = Arbitraries.of("3", "0", "-1", "-0", "1", "99999999999999999999",
                "9223372036854775807", "9223372036854775808", "+3", "03", "3.0", "1e3", "0x3", "%D9%A3", "%EF%BC%93",
                "", "%2F", "3%2F", "%00", "%20", "abc", "%C3%A9", "3;x=1", "%FF");
        Arbitrary<String> suffixes = Arbitraries.of("", "", "", "/", "?a=b", "?version=1&name=%FF", "%20", ";x");
        Set<String> harmless = Set.of("", "/", "?a=b", "?version=1&name=%FF");
        Arbitrary<Target> predict = Combinators.combine(names, versions, Arbitraries.of(true, false), suffixes)
                .as((name, version, pinned, suffix) -> new Target(Route.PREDICT, "/v1/models/" + name
                        + (pinned ? "/versions/" + version : "") + ":predict" + suffix, name.equals("scale")
                        && (!pinned || version.equals("3")) && harmless.contains(suffix)));
        Arbitrary<Target> admin = Combinators.combine(Arbitraries.of("/v1/models:load", "/v1/models:unload",
                "/v1/models:LOAD", "/v1/models%3Aload", "//v1/models:load", "/v1//models:unload", "/v1/models/:load",
                "/v1/models:load:load", "/v1/models:"), suffixes)
                .as((path, suffix) -> new Target(Route.ADMIN, path + suffix,
                        Set.of("/v1/models:load", "/v1/models:unload").contains(path) && harmless.contains(suffix)));
        return Arbitraries.oneOf(predict, admin);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("POST")),
                Tuple.of(1, Arbitraries.of("GET", "PUT", "DELETE", "PATCH", "FUZZ")));
    }

    /** A content type, often wrong or missing, and now and then another header a client may get wrong. */
    @Provide
    Arbitrary<List<String>> bodyHeaders() {
        Arbitrary<List<String>> contentType = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just("application/json")),
                Tuple.of(3, Arbitraries.of("", "application/json; charset=utf-8", "text/plain",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz",
                        "application/octet-stream", "application/json; charset=utf-16",
                        "application/json; charset=bogus",
                        "*/*", ";;;", "application/xml", "APPLICATION/JSON", "application/problem+json")))
                .map(t -> t.isEmpty() ? List.of() : List.of("Content-Type", t));
        Arbitrary<List<String>> other = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(List.<String>of())),
                Tuple.of(1, Arbitraries.of("text/html", "application/xml", "*/*", "text/*;q=0.1", "image/png")
                        .map(a -> List.of("Accept", a))),
                Tuple.of(1, Arbitraries.of("gzip", "deflate", "br", "identity", "bogus")
                        .map(e -> List.of("Content-Encoding", e))),
                Tuple.of(1, Arbitraries.of("x".repeat(129), "a b", "../../etc", "\"quoted\"", "")
                        .map(id -> List.of("X-Request-ID", id))),
                Tuple.of(1, Arbitraries.just(List.of("Expect", "100-continue"))));
        return Combinators.combine(contentType, other).as((a, b) -> {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        });
    }

    @Provide
    Arbitrary<String> authorizations() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(TOKEN)),
                Tuple.of(2, Arbitraries.of("", "Bearer", "Bearer ", "Bearer wrong", "bearer " + TOKEN,
                        "Bearer " + TOKEN + " ", "Basic Zm9vOmJhcg==", "Bearer " + "t".repeat(2_000), "Bearer \t")));
    }
}
