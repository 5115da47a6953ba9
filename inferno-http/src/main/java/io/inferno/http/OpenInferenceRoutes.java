package io.inferno.http;

import io.inferno.Inferno;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.protocol.V2;
import io.inferno.protocol.V2ModelMetadata;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The Open Inference Protocol's REST binding (KServe V2, {@code /v2/...}) beside the native routes, on the same
 * engine: an infer request goes through {@link Inferno#announce} and {@link Inferno#predict} exactly as a native
 * predict does (validation, batching, metrics, the in-flight memory budget). Bodies are {@link V2Bodies}; errors go
 * through the server's one error path ({@link ErrorMapping}), which answers {@code {"error": ...}} under
 * {@code /v2}. Semantics follow inferno-grpc's {@code InferenceService}, so both bindings agree. See
 * docs/open-inference-protocol.md.
 */
final class OpenInferenceRoutes {
    private static final String JSON_TYPE = "application/json";
    private static final String BINARY_TYPE = "application/octet-stream";

    /** The protocol extensions the REST binding supports. */
    static final List<String> EXTENSIONS;

    static {
        List<String> extensions = new ArrayList<>(V2.EXTENSIONS);
        extensions.add("binary_tensor_data");
        EXTENSIONS = List.copyOf(extensions);
    }

    /** The routes, as {@link InfernoServer#ROUTES} lists them. */
    static final List<String> ROUTES = List.of(
            "GET /v2",
            "GET /v2/health/live",
            "GET /v2/health/ready",
            "GET /v2/models/{name}",
            "GET /v2/models/{name}/versions/{version}",
            "GET /v2/models/{name}/ready",
            "GET /v2/models/{name}/versions/{version}/ready",
            "POST /v2/models/{name}/infer",
            "POST /v2/models/{name}/versions/{version}/infer");

    private final Inferno inferno;
    private final BooleanSupplier ready;
    private final BooleanSupplier shuttingDown;
    private final BiConsumer<String, OptionalLong> admit;
    private final BiConsumer<Context, Throwable> error;
    private final Function<String, Long> version;
    private final Executor httpThreads;

    /**
     * @param ready whether the server is ready (startup loading done, not shutting down)
     * @param shuttingDown whether shutdown has started
     * @param admit throws when the server cannot take a prediction for this model and version now (shutting down,
     *     still loading it at startup)
     * @param error answers a failure, through {@link ErrorMapping}
     * @param version a version path segment, or a {@link io.inferno.ModelNotFoundException}
     * @param httpThreads the server's HTTP threads: answers completed on a batch thread are encoded there
     */
    OpenInferenceRoutes(Inferno inferno, BooleanSupplier ready, BooleanSupplier shuttingDown,
            BiConsumer<String, OptionalLong> admit, BiConsumer<Context, Throwable> error,
            Function<String, Long> version, Executor httpThreads) {
        this.inferno = inferno;
        this.httpThreads = httpThreads;
        this.ready = ready;
        this.shuttingDown = shuttingDown;
        this.admit = admit;
        this.error = error;
        this.version = version;
    }

    void register(RoutesConfig routes) {
        routes.get("/v2", ctx -> json(ctx, 200, V2Bodies.serverMetadata(EXTENSIONS)));
        routes.get("/v2/health/live", ctx -> json(ctx, 200, V2Bodies.flag("live", true)));
        routes.get("/v2/health/ready", this::serverReady);
        routes.get("/v2/models/{name}", ctx -> metadata(ctx, OptionalLong.empty()));
        routes.get("/v2/models/{name}/versions/{version}", ctx -> metadata(ctx, pinned(ctx)));
        routes.get("/v2/models/{name}/ready", ctx -> modelReady(ctx, OptionalLong.empty()));
        routes.get("/v2/models/{name}/versions/{version}/ready", ctx -> modelReady(ctx, pinned(ctx)));
        routes.post("/v2/models/{name}/infer", ctx -> infer(ctx, OptionalLong.empty()));
        routes.post("/v2/models/{name}/versions/{version}/infer", ctx -> infer(ctx, pinned(ctx)));
    }

    private OptionalLong pinned(Context ctx) {
        RequestLog.model(ctx, ctx.pathParam("name"));
        return OptionalLong.of(version.apply(ctx.pathParam("version")));
    }

    private static void json(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType(JSON_TYPE).result(body);
    }

    /** 200 {@code {"ready": true}} when ready; else 503 with Retry-After and the protocol's error body. */
    private void serverReady(Context ctx) throws IOException {
        if (ready.getAsBoolean()) {
            json(ctx, 200, V2Bodies.flag("ready", true));
        } else {
            ctx.header("Retry-After", Integer.toString(ErrorMapping.RETRY_AFTER_SECONDS));
            json(ctx, 503, ErrorMapping.body(shuttingDown.getAsBoolean() ? "shutting down"
                    : "not ready: loading models", ErrorMapping.Dialect.V2));
        }
    }

    /**
     * 200 {@code {"name", "ready": true}} when the version (the active one if none is named) is loaded and the
     * server is not shutting down; else 503 with the error body. 404 for an unknown model.
     */
    private void modelReady(Context ctx, OptionalLong version) throws IOException {
        String name = ctx.pathParam("name");
        RequestLog.model(ctx, name);
        ModelStatus status = inferno.model(name);
        boolean loaded = version.isPresent() ? status.loaded().contains(version.getAsLong()) : status.activeLoaded();
        if (loaded && !shuttingDown.getAsBoolean()) {
            json(ctx, 200, V2Bodies.flag("ready", true));
        } else {
            ctx.header("Retry-After", Integer.toString(ErrorMapping.RETRY_AFTER_SECONDS));
            json(ctx, 503, ErrorMapping.body(shuttingDown.getAsBoolean() ? "shutting down"
                    : "model " + name + (version.isPresent() ? " version " + version.getAsLong() : "")
                            + " is not loaded", ErrorMapping.Dialect.V2));
        }
    }

    private void metadata(Context ctx, OptionalLong version) {
        String name = ctx.pathParam("name");
        RequestLog.model(ctx, name);
        CompletableFuture<byte[]> answer = inferno.describe(name, version).thenApply(d -> {
            try {
                return V2Bodies.modelMetadata(V2ModelMetadata.of(d, inferno.model(name).loaded()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ctx.future(() -> answer.handle((body, failure) -> {
            if (failure != null) {
                error.accept(ctx, failure);
            } else {
                json(ctx, 200, body);
            }
            return null;
        }));
    }

    private void infer(Context ctx, OptionalLong version) throws IOException {
        String name = ctx.pathParam("name");
        RequestLog.model(ctx, name);
        admit.accept(name, version);
        ReceivedBody received = ReceivedBody.of(ctx.req());
        Answers.predict(ctx, inferno, name, version, httpThreads, error, () -> {
            String header = ctx.header(V2Bodies.HEADER_LENGTH);
            int jsonLength = V2Bodies.jsonLength(header, received.length());
            V2Bodies.Infer body = V2Bodies.readInfer(received.bytes(), received.length(), jsonLength, header != null);
            received.hold(Bodies.byteSize(body.inputs().values()));
            PredictRequest.Builder b = PredictRequest.builder(name).inputs(body.inputs());
            version.ifPresent(b::version);
            body.outputNames().ifPresent(b::outputs);
            body.timeout().ifPresent(b::timeout);
            return new Answers.Decoded<>(body, b.build());
        }, (body, prediction) -> {
            RequestLog.version(ctx, prediction.version());
            received.count(Bodies.byteSize(prediction.outputs().values()));
            V2Bodies.Answer answer = V2Bodies.inferAnswer(prediction, body);
            received.count(answer.bytes().length);
            if (answer.headerLength().isPresent()) {
                ctx.header(V2Bodies.HEADER_LENGTH, Integer.toString(answer.headerLength().getAsInt()));
                ctx.status(200).contentType(BINARY_TYPE).result(answer.bytes());
            } else {
                json(ctx, 200, answer.bytes());
            }
        });
    }
}
