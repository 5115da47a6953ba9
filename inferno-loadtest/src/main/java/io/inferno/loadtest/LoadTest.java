package io.inferno.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.inferno.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The {@code inferno-loadtest} command: closed-loop users sending predict requests to an Inferno server. See
 * {@link Options#USAGE} and docs/performance.md.
 */
public final class LoadTest {
    static final int OK = 0;
    static final int REQUESTS_FAILED = 1;
    static final int USAGE_ERROR = 2;
    static final int SETUP_FAILED = 3;

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient client;

    LoadTest(Options options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs the command; returns its exit status. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Optional<Options> parsed;
        try {
            parsed = Options.parse(args, env);
        } catch (Options.UsageException e) {
            err.println("inferno-loadtest: " + e.getMessage().replace("\n", "\ninferno-loadtest: "));
            err.println("Try 'inferno-loadtest --help'.");
            return USAGE_ERROR;
        }
        if (parsed.isEmpty()) {
            out.print(Options.USAGE);
            return OK;
        }
        return new LoadTest(parsed.get(), out, err).run();
    }

    /** A failure before any measured traffic: the server cannot be reached or the setup is wrong. */
    static final class SetupException extends Exception {
        private static final long serialVersionUID = 1L;

        SetupException(String message) {
            super(message);
        }
    }

    int run() {
        byte[] body;
        ModelInferRequest grpcRequest = null;
        ServerMetrics before;
        v2Body = null;
        try {
            if (options.loadModel()) {
                loadModel();
            }
            body = payload();
            if (options.protocol() == Options.Protocol.GRPC) {
                grpcRequest = grpcRequest(body);
                grpcWarmup(grpcRequest);
            } else if (v2()) {
                v2Body = v2Body(body);
                body = v2Body.bytes();
                warmup(body);
            } else {
                warmup(body);
            }
            before = scrape();
        } catch (SetupException e) {
            err.println("inferno-loadtest: " + e.getMessage());
            return SETUP_FAILED;
        }
        Report report = measure(body, grpcRequest, before);
        if (options.json()) {
            out.println(report.toJson(mapper, options.model()).toPrettyString());
        } else {
            report.printText(out, options.model());
        }
        return report.failed() == 0 ? OK : REQUESTS_FAILED;
    }

    private URI uri(String path) {
        return URI.create(options.host() + path);
    }

    /** The V2 body, with {@code --protocol v2} or {@code v2-binary}; set once before the users start. */
    private V2Traffic.Body v2Body;

    private boolean v2() {
        return options.protocol() == Options.Protocol.V2 || options.protocol() == Options.Protocol.V2_BINARY;
    }

    private String predictPath() {
        if (v2()) {
            return V2Traffic.path(options.model(), options.version());
        }
        return options.version().isPresent()
                ? "/v1/models/" + options.model() + "/versions/" + options.version().getAsLong() + ":predict"
                : "/v1/models/" + options.model() + ":predict";
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws SetupException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new SetupException("cannot reach " + request.uri() + ": " + describe(e)
                    + (e instanceof ConnectException ? " (is the server running?)" : ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted");
        }
    }

    private static String detail(HttpResponse<byte[]> response) {
        String text = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
        return "HTTP " + response.statusCode() + (text.isBlank() ? "" : ": " + text.trim());
    }

    private void loadModel() throws SetupException {
        long version = options.version().getAsLong();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/models:load"))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":" + quote(options.model()) + ",\"version\":" + version + "}"));
        options.adminToken().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<byte[]> response = send(request.build());
        if (response.statusCode() != 200) {
            throw new SetupException("loading " + options.model() + " version " + version + " failed: "
                    + detail(response));
        }
        err.printf("loaded %s version %d%n", options.model(), version);
    }

    private String quote(String s) {
        try {
            return mapper.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] payload() throws SetupException {
        if (options.payloadFile().isPresent()) {
            try {
                byte[] body = Files.readAllBytes(options.payloadFile().get());
                mapper.readTree(body); // fail early on a file that is not JSON
                return body;
            } catch (IOException e) {
                throw new SetupException("cannot use payload file " + options.payloadFile().get() + ": "
                        + describe(e));
            }
        }
        String path = "/v1/models/" + options.model();
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(5))
                .GET().build());
        if (response.statusCode() != 200) {
            throw new SetupException("cannot describe model " + options.model() + ": " + detail(response));
        }
        try {
            JsonNode description = mapper.readTree(response.body());
            return Payloads.generate(mapper, description, options.batch(), options.dims(), 42);
        } catch (Exception e) {
            throw new SetupException("cannot build a payload from the model's signature: " + describe(e));
        }
    }

    private HttpRequest predict(byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(predictPath())).timeout(options.requestTimeout())
                .header("Content-Type", "application/json");
        if (v2Body != null && v2Body.headerLength().isPresent()) {
            request.header("Inference-Header-Content-Length", Integer.toString(v2Body.headerLength().getAsInt()));
        }
        return request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private void warmup(byte[] body) throws SetupException {
        if (options.warmup() == 0) {
            return;
        }
        int failed = 0;
        String last = "";
        for (int i = 0; i < options.warmup(); i++) {
            HttpResponse<byte[]> response = send(predict(body));
            if (response.statusCode() != 200) {
                failed++;
                last = detail(response);
            }
        }
        if (failed == options.warmup()) {
            throw new SetupException("every warmup request failed; the last: " + last);
        }
        if (failed > 0) {
            err.printf("warmup: %d of %d requests failed; the last: %s%n", failed, options.warmup(), last);
        }
    }

    private ModelInferRequest grpcRequest(byte[] body) throws SetupException {
        try {
            return GrpcTraffic.request(mapper.readTree(body), options.model(), options.version());
        } catch (IOException | RuntimeException e) {
            throw new SetupException("cannot make a gRPC request of the payload: " + describe(e));
        }
    }

    private V2Traffic.Body v2Body(byte[] body) throws SetupException {
        ModelInferRequest raw = grpcRequest(body);
        try {
            return V2Traffic.body(raw, options.protocol() == Options.Protocol.V2_BINARY);
        } catch (RuntimeException e) {
            throw new SetupException("cannot make a V2 request of the payload: " + describe(e));
        }
    }

    private void grpcWarmup(ModelInferRequest request) throws SetupException {
        if (options.warmup() == 0) {
            return;
        }
        ManagedChannel channel = GrpcTraffic.channel(options.host(), options.grpcPort());
        try {
            int failed = 0;
            String last = "";
            for (int i = 0; i < options.warmup(); i++) {
                try {
                    GRPCInferenceServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .modelInfer(request);
                } catch (StatusRuntimeException e) {
                    failed++;
                    last = e.getStatus().toString();
                }
            }
            if (failed == options.warmup()) {
                throw new SetupException("every gRPC warmup request to port " + options.grpcPort()
                        + " failed; the last: " + last);
            }
            if (failed > 0) {
                err.printf("warmup: %d of %d requests failed; the last: %s%n", failed, options.warmup(), last);
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /** A user of {@code --protocol grpc}: its own channel (one HTTP/2 connection), requests back to back. */
    private void grpcUser(Run run, ModelInferRequest request, long delayNanos) {
        if (delayNanos > 0) {
            try {
                Thread.sleep(delayNanos / 1_000_000, (int) (delayNanos % 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
        ManagedChannel channel = GrpcTraffic.channel(options.host(), options.grpcPort());
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            long timeoutMs = options.requestTimeout().toMillis();
            while (System.nanoTime() < run.end) {
                long t0 = System.nanoTime();
                try {
                    ModelInferResponse response = stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                            .modelInfer(request);
                    long micros = (System.nanoTime() - t0) / 1000;
                    String problem = options.verifyResponse() ? GrpcTraffic.problem(response) : null;
                    if (problem != null) {
                        run.fail(0, "verification", problem);
                    } else {
                        run.ok.increment();
                        run.latency.recordValue(Math.max(1, micros));
                    }
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    run.fail(0, "grpc " + code, e.getStatus().toString());
                    if (code == Status.Code.UNAVAILABLE) {
                        pause();
                    }
                }
            }
        } finally {
            channel.shutdownNow();
        }
    }

    private Optional<ServerMetrics> scrapeQuietly() {
        try {
            return Optional.of(scrape());
        } catch (SetupException e) {
            return Optional.empty();
        }
    }

    private ServerMetrics scrape() throws SetupException {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build());
        if (response.statusCode() != 200) {
            throw new SetupException("cannot read /metrics: " + detail(response));
        }
        return ServerMetrics.parse(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8),
                options.model());
    }

    /** Everything the users share while the run lasts. */
    private final class Run {
        final Recorder latency = new Recorder(3);
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
        final Map<String, LongAdder> byKind = new ConcurrentHashMap<>();
        final Histogram total = new Histogram(3);
        final AtomicLong lastFailure = new AtomicLong();
        volatile String lastFailureText = "";
        final long start = System.nanoTime();
        final long end = start + options.runTime().toNanos();

        void fail(int status, String kind, String text) {
            failed.increment();
            if (status > 0) {
                byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
            }
            byKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
            lastFailure.set(System.nanoTime());
            lastFailureText = text;
        }
    }

    private Report measure(byte[] body, ModelInferRequest grpcRequest, ServerMetrics before) {
        Run run = new Run();
        byte[] head = KeepAliveConnection.postHead(URI.create(options.host()), predictPath(), body.length,
                v2Body == null ? "" : v2Body.headerLines());
        List<Thread> users = new ArrayList<>();
        for (int u = 0; u < options.users(); u++) {
            long delayNanos = options.spawnRate() > 0 ? (long) (u / options.spawnRate() * 1e9) : 0;
            Thread t = new Thread(grpcRequest != null ? () -> grpcUser(run, grpcRequest, delayNanos)
                    : () -> user(run, head, body, delayNanos), "user-" + u);
            t.setDaemon(true);
            users.add(t);
            t.start();
        }
        boolean progress = !options.headless() && System.console() != null;
        long nextTick = run.start + 1_000_000_000L;
        for (Thread t : users) {
            while (t.isAlive()) {
                try {
                    t.join(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (System.nanoTime() >= nextTick) {
                    nextTick += 1_000_000_000L;
                    collect(run);
                    if (progress) {
                        progressLine(run);
                    }
                }
            }
        }
        collect(run);
        if (progress) {
            err.println();
        }
        double seconds = (System.nanoTime() - run.start) / 1e9;
        Map<Integer, Long> byStatus = new java.util.TreeMap<>();
        run.byStatus.forEach((k, v) -> byStatus.put(k, v.sum()));
        Map<String, Long> byKind = new java.util.TreeMap<>();
        run.byKind.forEach((k, v) -> byKind.put(k, v.sum()));
        if (run.failed.sum() > 0) {
            err.println("last failure: " + run.lastFailureText);
        }
        Optional<Report.Server> server = scrapeQuietly().map(after -> after.since(before));
        return new Report(options.users(), seconds, run.ok.sum(), run.failed.sum(), run.total, byStatus, byKind,
                server);
    }

    private static void collect(Run run) {
        synchronized (run.total) {
            run.total.add(run.latency.getIntervalHistogram());
        }
    }

    private void progressLine(Run run) {
        double elapsed = (System.nanoTime() - run.start) / 1e9;
        long done = run.ok.sum() + run.failed.sum();
        Histogram h = run.total;
        err.printf("\r%6.1f s  %,10d requests  %,9.1f/s  p50 %7.2f ms  p99 %7.2f ms  errors %,d   ", elapsed, done,
                done / elapsed, h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1000.0,
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0, run.failed.sum());
    }

    private void user(Run run, byte[] head, byte[] body, long delayNanos) {
        if (delayNanos > 0) {
            try {
                Thread.sleep(delayNanos / 1_000_000, (int) (delayNanos % 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
        try (KeepAliveConnection connection = new KeepAliveConnection(URI.create(options.host()),
                (int) Math.min(Integer.MAX_VALUE, options.requestTimeout().toMillis()))) {
            while (System.nanoTime() < run.end) {
                long t0 = System.nanoTime();
                try {
                    KeepAliveConnection.Response response = connection.send(head, body);
                    long micros = (System.nanoTime() - t0) / 1000;
                    int status = response.status();
                    if (status != 200) {
                        run.fail(status, status / 100 + "xx", "HTTP " + status + ": "
                                + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
                    } else if (options.verifyResponse() && !carriesAnOutput(response.body())) {
                        run.fail(0, "verification", "response without an output tensor: "
                                + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
                    } else {
                        run.ok.increment();
                        run.latency.recordValue(Math.max(1, micros));
                    }
                } catch (java.net.SocketTimeoutException e) {
                    run.fail(0, "timeout", describe(e));
                } catch (ConnectException e) {
                    run.fail(0, "connection", describe(e));
                    pause();
                } catch (IOException e) {
                    run.fail(0, "io", describe(e));
                    pause();
                }
            }
        }
    }

    /** After a connection failure: do not spin on a server that is down. */
    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** At least one output, and each output a tensor payload (dtype, shape, data or base64). */
    private boolean carriesAnOutput(byte[] body) {
        try {
            if (v2()) {
                return V2Traffic.carriesAnOutput(mapper.readTree(body)); // the JSON object, not binary after it
            }
            JsonNode outputs = mapper.readTree(body).path("outputs");
            if (!outputs.isObject() || outputs.isEmpty()) {
                return false;
            }
            for (JsonNode t : outputs) {
                if (!t.has("dtype") || !t.has("shape") || !(t.has("data") || t.has("base64"))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }
}
