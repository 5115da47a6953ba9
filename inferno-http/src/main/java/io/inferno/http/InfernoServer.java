package io.inferno.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.Inferno;
import io.inferno.ModelDescription;
import io.inferno.ModelNotFoundException;
import io.inferno.ModelStatus;
import io.inferno.OverloadedException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.util.JavalinBindException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST server over an {@link Inferno}: routing, lifecycle (readiness, drain) and the call to
 * {@link ErrorMapping}. The JSON views of models are {@link ModelViews}, request ids and logging
 * {@link RequestLog}, admin authorization {@link AdminAuth}, the Open Inference Protocol's routes
 * {@link OpenInferenceRoutes}. In front of the routes, in Jetty: {@link HeaderDeadline}
 * (slow headers), {@link RequestIntake} (bodies, received without a thread, against the {@link InflightBudget}),
 * {@link PredictRoutes} (the prediction routes themselves, served without Javalin) and {@link JsonErrorHandler}
 * (Jetty's own rejections). See docs/api.md.
 *
 * <pre>{@code
 * InfernoServer server = InfernoServer.start(ServerSettings.fromEnvironment(System.getenv()), inferno);
 * ...
 * server.shutdown(); // readiness 503, drain, stop
 * }</pre>
 */
public final class InfernoServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InfernoServer.class);
    private static final String JSON_TYPE = "application/json";

    /** Every route, as registered: the OpenAPI document is checked against this list. */
    static final List<String> ROUTES = Stream.concat(Stream.of(
            "POST /v1/models/{name}:predict",
            "POST /v1/models/{name}/versions/{version}:predict",
            "GET /v1/models",
            "GET /v1/models/{name}",
            "GET /v1/models/{name}/versions/{version}",
            "GET /v1/models/{name}/active",
            "POST /v1/models:load",
            "POST /v1/models:unload",
            "OPTIONS /v1/models:load",
            "OPTIONS /v1/models:unload",
            "GET /health/live",
            "GET /health/ready",
            "GET /metrics",
            "GET /openapi.json"), OpenInferenceRoutes.ROUTES.stream()).toList();

    private final ServerSettings settings;
    private final Inferno inferno;
    private final ObjectMapper mapper = new ObjectMapper(Bodies.JSON);
    private final HttpMetrics metrics;
    private final RequestLog requestLog;
    private final ModelViews views = new ModelViews(mapper);
    private final AdminAuth adminAuth;
    private final byte[] openApi;
    private final InflightBudget budget;
    private final HeaderDeadline headerDeadline;
    private final QueuedThreadPool httpThreads;
    private final Javalin app;
    private volatile ServerConnector connector; // set once while the server starts
    private volatile boolean shuttingDown;
    private volatile boolean stopped;

    private InfernoServer(ServerSettings settings, Inferno inferno) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.inferno = Objects.requireNonNull(inferno, "inferno");
        this.budget = new InflightBudget(settings.maxInflightBytes());
        this.headerDeadline = new HeaderDeadline(settings.requestHeaderTimeout());
        this.metrics = new HttpMetrics(inferno.metricsRegistry(), this::ready, inferno::stateStoreHealthy,
                budget::used);
        this.requestLog = new RequestLog(settings.accessLog());
        this.adminAuth = new AdminAuth(settings.adminToken(), settings.adminOrigins());
        this.openApi = readOpenApi();
        this.httpThreads = threadPool(settings.httpThreads());
        PredictRoutes.Family<?> predictRoutes = PredictRoutes.nativeFamily(inferno);
        this.app = Javalin.create(config -> {
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = settings.maxRequestBytes();
            config.startup.showJavalinBanner = false;
            config.jetty.threadPool = httpThreads;
            config.jetty.addConnector(this::connector);
            // in front of Javalin's servlet: bodies are read without a thread (RequestIntake), and before that
            // the exchanges on each connection are counted for the header deadline (HeaderDeadline)
            config.jetty.modifyServer(server -> {
                // the prediction routes (native predict, V2 infer), in front of the servlet and behind the intake
                server.insertHandler(new PredictRoutes(List.of(predictRoutes, OpenInferenceRoutes.inferFamily()),
                        inferno, httpThreads, this::admit, () -> shuttingDown, metrics, requestLog));
                server.insertHandler(new RequestIntake(settings.maxRequestBytes(), budget,
                        settings.minRequestDataRate(), settings.requestRateWindow(), settings.idleTimeout()).handler());
                server.insertHandler(headerDeadline);
                // Stopping waits for the requests in flight: a drain ends when every prediction is answered, but an
                // answer may still be encoding and writing on an HTTP thread (docs/engine.md, threads)
                server.insertHandler(new GracefulHandler());
                server.setStopTimeout(settings.drainTimeout().toMillis());
                server.setErrorHandler(new JsonErrorHandler()); // Jetty's own 4xx answers, as JSON
            });
            config.requestLogger.http(this::afterRequest);
            config.routes.before(RequestLog::begin);
            config.routes.before(ctx -> {
                if (shuttingDown) {
                    ctx.header("Connection", "close"); // a keep-alive client must not reuse a connection about to go
                }
            });
            // served by PredictRoutes before Javalin sees them; registered for the 405s' Allow and the route list
            config.routes.post(predictRoutes.route(), InfernoServer::servedInFront);
            config.routes.post(predictRoutes.versionRoute(), InfernoServer::servedInFront);
            config.routes.get("/v1/models", this::listModels);
            config.routes.get("/v1/models/{name}", ctx -> describe(ctx, OptionalLong.empty()));
            config.routes.get("/v1/models/{name}/versions/{version}",
                    ctx -> describe(ctx, OptionalLong.of(version(ctx.pathParam("version")))));
            config.routes.get("/v1/models/{name}/active", this::active);
            config.routes.post("/v1/models:load", ctx -> admin(ctx, true));
            config.routes.post("/v1/models:unload", ctx -> admin(ctx, false));
            config.routes.options("/v1/models:load", adminAuth::preflight);
            config.routes.options("/v1/models:unload", adminAuth::preflight);
            config.routes.get("/health/live", ctx -> json(ctx, 200, mapper.createObjectNode().put("status", "live")));
            config.routes.get("/health/ready", this::readiness);
            config.routes.get("/metrics", this::scrape);
            config.routes.get("/openapi.json", ctx -> ctx.status(200).contentType(JSON_TYPE).result(openApi));
            new OpenInferenceRoutes(inferno, this::ready, () -> shuttingDown, this::error, InfernoServer::version)
                    .register(config.routes);
            config.routes.exception(Exception.class, (e, ctx) -> error(ctx, e));
            config.routes.error(404, ctx -> {
                if (ctx.attribute("inferno.answered") == null) {
                    problem(ctx, 404, "no route for " + ctx.method() + " " + ctx.path() + "; see /openapi.json");
                }
            });
            config.routes.error(405, ctx -> problem(ctx, 405,
                    "method " + ctx.method() + " is not allowed on " + ctx.path() + "; see /openapi.json"));
        });
    }

    private static QueuedThreadPool threadPool(int threads) {
        QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(8, threads));
        pool.setName("http");
        return pool;
    }

    private ServerConnector connector(Server server, HttpConfiguration http) {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(settings.idleTimeout().toMillis());
        connector.addEventListener(headerDeadline); // watches every connection it opens
        this.connector = connector;
        return connector;
    }

    /**
     * Starts serving; returns once the port is bound. Readiness answers 503 until {@code inferno} is ready (its
     * startup loading done), so the server may start before {@link Inferno#start()}.
     *
     * @throws IllegalArgumentException when the port is already in use
     */
    public static InfernoServer start(ServerSettings settings, Inferno inferno) {
        InfernoServer server = new InfernoServer(settings, inferno);
        refuseTakenPort(settings);
        try {
            server.app.start();
        } catch (JavalinBindException e) {
            throw portInUse(settings, e); // taken since the check
        }
        LOG.info("listening on {}:{}", settings.host(), server.port());
        return server;
    }

    /**
     * Fails at once when another process listens on the port: Javalin would report it too, but only after logging
     * its own error with a stack trace.
     */
    private static void refuseTakenPort(ServerSettings settings) {
        if (settings.port() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as Jetty binds: a port in TIME_WAIT is free
            probe.bind(new InetSocketAddress(settings.host(), settings.port()));
        } catch (BindException e) {
            throw portInUse(settings, e);
        } catch (IOException e) {
            // not conclusive: Jetty's own bind reports it
        }
    }

    private static IllegalArgumentException portInUse(ServerSettings settings, Exception cause) {
        return new IllegalArgumentException("port " + settings.port() + " on " + settings.host()
                + " is already in use (PORT); stop the process that holds it or choose another port", cause);
    }

    /** The bound port. */
    public int port() {
        return app.port();
    }

    /** Every route the router holds, as {@code METHOD path}: the OpenAPI document is tested against it. */
    java.util.Set<String> registeredRoutes() {
        java.util.Set<String> routes = new java.util.TreeSet<>();
        for (var parsed : app.unsafe.internalRouter.allHttpHandlers()) {
            var e = parsed.endpoint;
            if (e.method.isHttpMethod()) { // not the before and after filters
                routes.add(e.method.name() + " " + e.path);
            }
        }
        return routes;
    }

    /** True once startup loading has finished and until shutdown starts. */
    public boolean ready() {
        return !shuttingDown && inferno.ready().isDone();
    }

    /**
     * Graceful shutdown: readiness turns 503 and new work is refused with 503, every answer from then on carries
     * {@code Connection: close}, and idle keep-alive connections are closed while the server still serves, so no
     * keep-alive client sends a request into a connection that is about to go. Accepted requests are answered
     * (within the drain timeout), every model is freed, then the HTTP server stops. Idempotent.
     */
    public void shutdown() {
        if (stopped) {
            return;
        }
        shuttingDown = true;
        LOG.info("shutting down: draining accepted requests");
        closeIdleConnections();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(inferno::close);
        try {
            drained.get(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("drain did not finish within {}: {}", settings.drainTimeout(), e.toString());
        }
        stopped = true;
        app.stop();
        LOG.info("stopped");
    }

    /**
     * Gives every connection the short idle timeout Jetty uses when it shuts a connector down (1 s): Jetty closes
     * a connection once it has been idle that long, with an orderly close, and only when no request is in progress
     * on it (a request waiting in a model is not idle). Connections keep being accepted: a request that arrives
     * while draining is answered 503 rather than refused a connection.
     */
    private void closeIdleConnections() {
        ServerConnector c = connector;
        long idle = c.getShutdownIdleTimeout();
        c.setIdleTimeout(idle);
        for (EndPoint endPoint : c.getConnectedEndPoints()) {
            endPoint.setIdleTimeout(idle);
        }
    }

    @Override
    public void close() {
        shutdown();
    }

    // ---- request context, logging, metrics

    private void afterRequest(Context ctx, Float millis) {
        String route = RequestLog.routeOf(ctx);
        String model = RequestLog.model(ctx);
        int status = ctx.statusCode();
        metrics.count(model == null ? "" : inferno.metricsLabel(model), route, status);
        requestLog.access(RequestLog.entry(ctx, route), status, millis);
    }

    // ---- responses

    private void json(Context ctx, int status, Object body) throws IOException {
        ctx.status(status).contentType(JSON_TYPE).result(mapper.writeValueAsBytes(body));
    }

    private static ErrorMapping.Dialect dialect(Context ctx) {
        try {
            return ErrorMapping.Dialect.of(ctx.path());
        } catch (RuntimeException requestAlreadyRecycled) {
            return ErrorMapping.Dialect.NATIVE; // nobody will read the answer
        }
    }

    private void problem(Context ctx, int status, String detail) {
        problem(ctx, status, detail, List.of());
    }

    private void problem(Context ctx, int status, String detail, List<String> problems) {
        try {
            ctx.attribute("inferno.answered", Boolean.TRUE);
            ctx.status(status).contentType(JSON_TYPE)
                    .result(ErrorMapping.body(detail, dialect(ctx), problems));
        } catch (IllegalStateException | NullPointerException clientGone) {
            // the client disconnected before its answer was ready: Jetty recycled the request
            LOG.debug("could not answer {}: the request is gone", RequestLog.requestId(ctx));
        }
    }

    private void error(Context ctx, Throwable failure) {
        ErrorMapping.Mapped m = ErrorMapping.map(failure, RequestLog.requestId(ctx), dialect(ctx));
        ErrorMapping.log(m, failure, RequestLog.entry(ctx, RequestLog.routeOf(ctx)));
        if (m.retryAfter()) {
            ctx.header("Retry-After", Integer.toString(ErrorMapping.RETRY_AFTER_SECONDS));
        }
        problem(ctx, m.status(), m.detail(), m.problems());
    }

    // ---- routes

    /** A version as written in a path: ASCII digits, no sign, no leading zero. */
    private static final Pattern VERSION_SEGMENT = Pattern.compile("[1-9][0-9]*");

    /**
     * A version path segment: a positive integer written as versions are, so that one version has one path.
     * {@link Long#parseLong} alone also takes {@code +3}, {@code 03} and non-ASCII digits such as {@code ٣}.
     */
    static long version(String text) {
        if (VERSION_SEGMENT.matcher(text).matches()) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException beyondLong) {
                // below
            }
        }
        throw new ModelNotFoundException();
    }

    private void refuseWhileShuttingDown() {
        if (shuttingDown) {
            throw new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                    "server is shutting down; retry on another replica");
        }
    }

    /**
     * Refuses a prediction the server cannot take now: 503 while shutting down, and 503 while startup loading is
     * in progress for a model whose version is not loaded yet (models already loaded answer; an unknown model or
     * one whose load failed goes on to its 404).
     */
    private void admit(String name, OptionalLong version) {
        refuseWhileShuttingDown();
        if (inferno.ready().isDone()) {
            return;
        }
        ModelStatus status;
        try {
            status = inferno.model(name);
        } catch (ModelNotFoundException unknown) {
            return;
        }
        boolean loaded = version.isPresent() ? status.loaded().contains(version.getAsLong()) : status.activeLoaded();
        if (!loaded && status.failures().isEmpty()) {
            throw new HttpProblem(503, "model " + name + (version.isPresent() ? " version " + version.getAsLong() : "")
                    + " is not loaded yet: the server is still loading models at startup (GET /health/ready "
                    + "answers 200 when done); retry later");
        }
    }

    /** The Javalin handler of a route {@link PredictRoutes} serves in front: never reached. */
    static void servedInFront(Context ctx) {
        throw new IllegalStateException("POST " + ctx.path() + " reached Javalin: PredictRoutes serves it in front");
    }

    private void listModels(Context ctx) throws IOException {
        List<ModelStatus> models = inferno.models();
        boolean shared = settings.redisUrl().isPresent();
        boolean healthy = inferno.stateStoreHealthy();
        json(ctx, 200, views.models(models, shared, healthy, shared ? inferno.fleet() : List.of()));
    }

    private void describe(Context ctx, OptionalLong version) {
        String name = ctx.pathParam("name");
        RequestLog.model(ctx, name);
        CompletableFuture<ModelDescription> d = inferno.describe(name, version);
        ctx.future(() -> d.handle((description, failure) -> {
            if (failure != null) {
                error(ctx, failure);
                return null;
            }
            try {
                json(ctx, 200, views.description(description));
            } catch (IOException e) {
                error(ctx, e);
            }
            return null;
        }));
    }

    private void active(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        RequestLog.model(ctx, name);
        json(ctx, 200, views.active(name, inferno.model(name)));
    }

    private void admin(Context ctx, boolean load) throws IOException {
        adminAuth.authorize(ctx);
        refuseWhileShuttingDown();
        ReceivedBody received = ReceivedBody.of(ctx.req());
        Bodies.Admin body = Bodies.readAdmin(received.bytes(), received.length());
        RequestLog.model(ctx, body.name());
        RequestLog.version(ctx, body.version());
        CompletableFuture<Void> done = load ? inferno.load(body.name(), body.version())
                : inferno.unload(body.name(), body.version());
        ctx.future(() -> done.handle((ok, failure) -> {
            if (failure != null) {
                error(ctx, failure);
                return null;
            }
            try {
                json(ctx, 200, mapper.createObjectNode().put(load ? "loaded" : "unloaded", true));
                LOG.info("{} {} version {}", load ? "loaded" : "unloaded", body.name(), body.version());
            } catch (IOException e) {
                error(ctx, e);
            }
            return null;
        }));
    }

    private void readiness(Context ctx) throws IOException {
        if (ready()) {
            json(ctx, 200, mapper.createObjectNode().put("status", "ready"));
        } else {
            ctx.header("Retry-After", Integer.toString(ErrorMapping.RETRY_AFTER_SECONDS));
            json(ctx, 503, mapper.createObjectNode().put("detail",
                    shuttingDown ? "shutting down" : "not ready: loading models"));
        }
    }

    private void scrape(Context ctx) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        new PrometheusTextFormatWriter(false).write(out, inferno.metricsRegistry().scrape());
        ctx.status(200).contentType(PrometheusTextFormatWriter.CONTENT_TYPE).result(out.toByteArray());
    }

    private static byte[] readOpenApi() {
        try (InputStream in = InfernoServer.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
