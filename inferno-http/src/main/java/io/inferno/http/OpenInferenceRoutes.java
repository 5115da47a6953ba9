package io.inferno.http;

import io.inferno.Inferno;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.protocol.V2;
import io.inferno.protocol.V2ModelMetadata;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Request;

/**
 * The Open Inference Protocol's REST binding (KServe V2, {@code /v2/...}) beside the native routes, on the same
 * engine: an infer request ({@link #inferFamily}, served with the native predict routes by {@link PredictRoutes})
 * goes through {@link Inferno#announce} and {@link Inferno#predict} exactly as a native predict does (validation,
 * batching, metrics, the in-flight memory budget). Bodies are {@link V2Bodies}; errors go
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

    /** The infer routes' templates, as registered and counted. */
    private static final String INFER_ROUTE = "/v2/models/{name}/infer";
    private static final String INFER_VERSION_ROUTE = "/v2/models/{name}/versions/{version}/infer";

    private final Inferno inferno;
    private final BooleanSupplier ready;
    private final BooleanSupplier shuttingDown;
    private final BiConsumer<Context, Throwable> error;
    private final Function<String, Long> version;

    /**
     * @param ready whether the server is ready (startup loading done, not shutting down)
     * @param shuttingDown whether shutdown has started
     * @param error answers a failure, through {@link ErrorMapping}
     * @param version a version path segment, or a {@link io.inferno.ModelNotFoundException}
     */
    OpenInferenceRoutes(Inferno inferno, BooleanSupplier ready, BooleanSupplier shuttingDown,
            BiConsumer<Context, Throwable> error, Function<String, Long> version) {
        this.inferno = inferno;
        this.ready = ready;
        this.shuttingDown = shuttingDown;
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
        // served by PredictRoutes before Javalin sees them; registered for the 405s' Allow and the route list
        routes.post(INFER_ROUTE, InfernoServer::servedInFront);
        routes.post(INFER_VERSION_ROUTE, InfernoServer::servedInFront);
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

    /**
     * The infer routes' family, served in front of Javalin ({@link PredictRoutes}): JSON or binary tensor data in,
     * {@link V2Bodies}' answer out, binary when the request asked for it.
     */
    static PredictRoutes.Family<V2Bodies.Infer> inferFamily() {
        return new PredictRoutes.Family<>(Pattern.compile("/v2/models/([^/]+?)(?:/versions/([^/]+?))?/infer/?"),
                INFER_ROUTE, INFER_VERSION_ROUTE, ErrorMapping.Dialect.V2,
                new PredictRoutes.Format<>() {
                    @Override
                    public Answers.Decoded<V2Bodies.Infer> decode(Request request, ReceivedBody received,
                            String name, OptionalLong version) throws IOException {
                        String header = request.getHeaders().get(V2Bodies.HEADER_LENGTH);
                        int jsonLength = V2Bodies.jsonLength(header, received.length());
                        V2Bodies.Infer body = V2Bodies.readInfer(received.bytes(), received.length(), jsonLength,
                                header != null);
                        received.hold(Bodies.byteSize(body.inputs().values()));
                        PredictRequest.Builder b = PredictRequest.builder(name).inputs(body.inputs());
                        version.ifPresent(b::version);
                        body.outputNames().ifPresent(b::outputs);
                        body.timeout().ifPresent(b::timeout);
                        return new Answers.Decoded<>(body, b.build());
                    }

                    @Override
                    public PredictRoutes.Answer encode(V2Bodies.Infer body, Prediction prediction)
                            throws IOException {
                        V2Bodies.Answer answer = V2Bodies.inferAnswer(prediction, body);
                        if (answer.headerLength().isPresent()) {
                            return new PredictRoutes.Answer(answer.bytes(), BINARY_TYPE, Optional.of(new HttpField(
                                    V2Bodies.HEADER_LENGTH, Integer.toString(answer.headerLength().getAsInt()))));
                        }
                        return PredictRoutes.Answer.json(answer.bytes());
                    }
                });
    }
}
