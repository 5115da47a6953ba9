package io.inferno.client;

import io.inferno.DeadlineExceededException;
import io.inferno.InfernoException;
import io.inferno.ModelDescription;
import io.inferno.ModelService;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.client.StatusMapping.Operation;
import io.inferno.codec.Codec;
import io.inferno.time.Scheduler;
import io.inferno.time.SystemScheduler;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A remote Inferno, through its native REST API ({@code docs/api.md}), on the JDK's {@link HttpClient}. It speaks
 * in core's types, {@link PredictRequest}, {@link Prediction}, {@link io.inferno.tensor.Tensor} and the
 * {@link InfernoException} subclasses, and implements {@link ModelService} as the embedded {@link io.inferno.Inferno}
 * does, so code moves between the two by changing the line that creates one:
 *
 * <pre>{@code
 * try (InfernoClient inferno = InfernoClient.builder(URI.create("http://localhost:8000")).build()) {
 *     Prediction p = inferno.predict(PredictRequest.of("torchscript",
 *             Map.of("x", Tensor.ofFloats(Shape.of(1, 4), 1, 2, 3, 4)))).join();
 *     float[] y = p.output("y").toFloatArray();
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Asynchronous.</b> Every call returns at once; its future completes on a thread of the HttpClient's
 *       executor (or of the retry scheduler). Failures arrive only through the future: the status mapped back to
 *       core's exception ({@link StatusMapping}: 404 {@code ModelNotFoundException}, 422
 *       {@code InvalidInputException}, 503 {@code OverloadedException}, 504 {@code DeadlineExceededException},
 *       ...), statuses without one as {@link InfernoHttpException}, a server that cannot be reached as the
 *       {@link IOException} the HttpClient reports.
 *   <li><b>Request ids.</b> Each call sends an {@code X-Request-ID} (its {@link CallOptions#requestId()}, or a new
 *       UUID), the same on every attempt. The id the server answered with is on the {@link Reply} of
 *       {@link #call} and on every {@link InfernoException} the call fails with ({@link
 *       InfernoException#requestId()}).
 *   <li><b>Timeouts.</b> Each attempt waits at most its {@link CallOptions#timeout()} or the client's
 *       {@link Builder#timeout}, then fails with {@link DeadlineExceededException} (the server may still run it).
 *       A {@link PredictRequest#timeout()} is different: it goes to the server as {@code timeout_ms}, how long the
 *       request may wait in the model's queue; keep it shorter than the client's.
 *   <li><b>Retries.</b> Only a 503 that carries {@code Retry-After} (delta-seconds) is tried again: the server
 *       refused the request before running it (queue full, draining, memory budget). The n-th retry waits
 *       {@code Retry-After × 2^(n-1)}, at most {@link Builder#maxRetryDelay}, for at most
 *       {@link Builder#maxAttempts} attempts in all; then the 503's exception fails the call. Never for a 4xx or
 *       another 5xx, never after a timeout or a broken connection (the server may have run the request).
 *   <li><b>Codecs.</b> Tensors travel as base64 by default (compact, every bit kept), or as JSON lists
 *       ({@link Builder#codec}, {@link CallOptions#codec()}); the answer comes back in the same codec.
 *   <li><b>Admin calls.</b> {@link #load} and {@link #unload} send {@code Authorization: Bearer} with the
 *       {@link Builder#adminToken}; no other call sends it.
 * </ul>
 */
public final class InfernoClient implements ModelService, AutoCloseable {
    private static final String REQUEST_ID = "X-Request-ID";
    private static final String JSON_TYPE = "application/json";

    private final String base;
    private final HttpClient http;
    private final Duration timeout;
    private final Codec codec;
    private final int maxAttempts;
    private final Duration maxRetryDelay;
    private final Optional<String> adminToken;
    private final Scheduler scheduler;
    private final Optional<SystemScheduler> ownScheduler;
    /** Calls waiting to be retried, with the exception they fail with if they never are. */
    private final Map<CompletableFuture<?>, InfernoException> waiting = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private InfernoClient(Builder b) {
        String uri = b.baseUri.toString();
        this.base = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        this.timeout = b.timeout;
        this.http = b.http != null ? b.http
                : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.timeout).build();
        this.codec = b.codec;
        this.maxAttempts = b.maxAttempts;
        this.maxRetryDelay = b.maxRetryDelay;
        this.adminToken = b.adminToken;
        this.ownScheduler = b.scheduler == null ? Optional.of(new SystemScheduler("inferno-client-retry"))
                : Optional.empty();
        this.scheduler = b.scheduler != null ? b.scheduler : ownScheduler.get();
    }

    /**
     * A builder of a client of the server at {@code baseUri}, such as {@code http://inferno:8000} (a path is kept
     * as a prefix of every route).
     *
     * @throws IllegalArgumentException unless the URI is absolute http or https
     */
    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    /** Makes a prediction with the client's settings; {@link #call} also tells the request id and attempts. */
    @Override
    public CompletableFuture<Prediction> predict(PredictRequest request) {
        return call(request, CallOptions.DEFAULTS).thenApply(Reply::value);
    }

    /**
     * Makes a prediction with per-call settings; the reply carries the request id and the number of attempts.
     * Fails as {@link #predict} does.
     */
    public CompletableFuture<Reply<Prediction>> call(PredictRequest request, CallOptions options) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(options, "options");
        String path = "/v1/models/" + segment(request.model())
                + (request.version().isPresent() ? "/versions/" + request.version().getAsLong() : "") + ":predict";
        Codec c = options.codec().orElse(codec);
        byte[] body;
        try {
            body = Wire.predict(request, c);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(new Exchange<>(Operation.PREDICT, path, Optional.of(body), options, Wire::prediction));
    }

    /**
     * Metadata and signature of a version ({@code GET /v1/models/{name}}, or {@code .../versions/{version}}).
     * Fails with {@link io.inferno.ModelNotFoundException} for an unknown model or a version that is not loaded.
     */
    @Override
    public CompletableFuture<ModelDescription> describe(String name, OptionalLong version) {
        Objects.requireNonNull(version, "version");
        String path = "/v1/models/" + segment(name)
                + (version.isPresent() ? "/versions/" + version.getAsLong() : "");
        return send(new Exchange<>(Operation.READ, path, Optional.empty(), CallOptions.DEFAULTS, Wire::description))
                .thenApply(Reply::value);
    }

    /** Every model of the server ({@code GET /v1/models}): active, loaded and on-disk versions, failures. */
    public CompletableFuture<List<ModelStatus>> models() {
        return send(new Exchange<>(Operation.READ, "/v1/models", Optional.empty(), CallOptions.DEFAULTS,
                Wire::models)).thenApply(Reply::value);
    }

    /**
     * Loads a version and makes it active ({@code POST /v1/models:load}, with the admin token). Fails with
     * {@link io.inferno.ModelNotFoundException} (not on disk), {@link io.inferno.ModelLoadException} (the server
     * cannot load the package: 422), {@link io.inferno.StateUnavailableException}, or {@link InfernoHttpException}
     * 401 when the token is missing or wrong.
     */
    @Override
    public CompletableFuture<Void> load(String name, long version) {
        return admin(Operation.LOAD, "/v1/models:load", name, version);
    }

    /** Unloads a version ({@code POST /v1/models:unload}, with the admin token); fails as {@link #load} does. */
    @Override
    public CompletableFuture<Void> unload(String name, long version) {
        return admin(Operation.UNLOAD, "/v1/models:unload", name, version);
    }

    private CompletableFuture<Void> admin(Operation operation, String path, String name, long version) {
        Objects.requireNonNull(name, "name");
        return send(new Exchange<>(operation, path, Optional.of(Wire.admin(name, version)), CallOptions.DEFAULTS,
                body -> Boolean.TRUE)).thenApply(r -> null);
    }

    /**
     * Stops retrying: every call waiting for a retry fails at once with the exception of its last 503, later calls
     * fail with {@link IllegalStateException}. Stops the retry timer this client made (one given to the builder is
     * left running). Calls in flight are answered. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        ownScheduler.ifPresent(SystemScheduler::close);
        waiting.keySet().forEach(this::giveUp);
    }

    /** Fails a call that waits for a retry with its last 503's exception, unless the retry took it first. */
    private void giveUp(CompletableFuture<?> call) {
        InfernoException last = waiting.remove(call);
        if (last != null) {
            call.completeExceptionally(last);
        }
    }

    // ---- one call, attempt by attempt

    @FunctionalInterface
    private interface Decoder<T> {
        T decode(byte[] body) throws IOException;
    }

    /** One call: what to send on each attempt and how to read the answer. */
    private record Exchange<T>(Operation operation, String path, Optional<byte[]> body, CallOptions options,
            Decoder<T> decoder) {}

    private <T> CompletableFuture<Reply<T>> send(Exchange<T> exchange) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the client is closed"));
        }
        String requestId = exchange.options().requestId().orElseGet(() -> UUID.randomUUID().toString());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + exchange.path()))
                .timeout(exchange.options().timeout().orElse(timeout))
                .header(REQUEST_ID, requestId)
                .header("Accept", JSON_TYPE);
        if (exchange.body().isPresent()) {
            b.header("Content-Type", JSON_TYPE).POST(HttpRequest.BodyPublishers.ofByteArray(exchange.body().get()));
        } else {
            b.GET();
        }
        if (exchange.operation() == Operation.LOAD || exchange.operation() == Operation.UNLOAD) {
            adminToken.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        }
        CompletableFuture<Reply<T>> result = new CompletableFuture<>();
        attempt(exchange, b.build(), requestId, 1, result);
        return result;
    }

    private <T> void attempt(Exchange<T> exchange, HttpRequest request, String requestId, int attempt,
            CompletableFuture<Reply<T>> result) {
        if (result.isDone()) {
            return; // cancelled by the caller while waiting to retry
        }
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        sent.whenComplete((response, failure) -> {
            try {
                answer(exchange, request, requestId, attempt, result, response, failure);
            } catch (RuntimeException | Error e) { // a bug must fail the call, not leave it waiting for ever
                result.completeExceptionally(e);
            }
        });
    }

    private <T> void answer(Exchange<T> exchange, HttpRequest request, String requestId, int attempt,
            CompletableFuture<Reply<T>> result, HttpResponse<byte[]> response, Throwable failure) {
        if (failure != null) {
            result.completeExceptionally(transportFailure(request, requestId, failure));
            return;
        }
        String answeredId = response.headers().firstValue(REQUEST_ID).orElse(requestId);
        int status = response.statusCode();
        if (status == 200) {
            try {
                result.complete(new Reply<>(exchange.decoder().decode(response.body()), answeredId, attempt));
            } catch (IOException | RuntimeException e) {
                InfernoHttpException bad = new InfernoHttpException(200, "the answer to " + request.method() + " "
                        + request.uri().getPath() + " cannot be read: " + e.getMessage());
                bad.initCause(e);
                result.completeExceptionally(bad.initRequestId(answeredId));
            }
            return;
        }
        Wire.Error error = Wire.error(response.body());
        InfernoException failed = StatusMapping.exception(status, error.detail(), error.problems(),
                exchange.operation()).initRequestId(answeredId);
        Optional<Duration> retryAfter = status == 503 ? retryAfter(response) : Optional.empty();
        if (retryAfter.isPresent() && attempt < maxAttempts && !closed) {
            waiting.put(result, failed);
            try {
                scheduler.schedule(() -> {
                    if (waiting.remove(result) != null) {
                        attempt(exchange, request, requestId, attempt + 1, result);
                    }
                }, backoff(retryAfter.get(), attempt).toNanos());
            } catch (RuntimeException rejected) { // a scheduler that was shut down
                giveUp(result);
            }
            if (closed) {
                giveUp(result); // closed while scheduling: close() may not have seen it
            }
            return;
        }
        result.completeExceptionally(failed);
    }

    /** The wait before retry number {@code attempt}: Retry-After doubled each time, at most maxRetryDelay. */
    Duration backoff(Duration retryAfter, int attempt) {
        Duration d = retryAfter.multipliedBy(1L << Math.min(attempt - 1, 20));
        return d.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : d;
    }

    /** {@code Retry-After} as delta-seconds (what Inferno sends); an HTTP date or anything else is not retried. */
    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        if (value.isEmpty() || !value.get().trim().matches("[0-9]{1,9}")) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(Long.parseLong(value.get().trim())));
    }

    private static Throwable transportFailure(HttpRequest request, String requestId, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof HttpTimeoutException) {
            DeadlineExceededException e = new DeadlineExceededException("no answer to " + request.method() + " "
                    + request.uri() + " within " + request.timeout().map(InfernoClient::millis).orElse("the timeout")
                    + " (request id " + requestId + "); the server may still run it");
            e.initCause(cause);
            e.initRequestId(requestId);
            return e;
        }
        return cause;
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    /** A model name as one path segment. */
    private static String segment(String name) {
        Objects.requireNonNull(name, "name");
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static Duration checkTimeout(Duration t) {
        Objects.requireNonNull(t, "timeout");
        if (t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("a timeout must be positive, got " + t);
        }
        return t;
    }

    /**
     * Builds an {@link InfernoClient}. Setters check their argument at once ({@link IllegalArgumentException}
     * quoting a bad value, {@link NullPointerException} for a null).
     */
    public static final class Builder {
        private final URI baseUri;
        private Duration timeout = Duration.ofSeconds(30);
        private Codec codec = Codec.BASE64;
        private int maxAttempts = 3;
        private Duration maxRetryDelay = Duration.ofSeconds(10);
        private Optional<String> adminToken = Optional.empty();
        private Scheduler scheduler;
        private HttpClient http;

        private Builder(URI baseUri) {
            Objects.requireNonNull(baseUri, "baseUri");
            if (!baseUri.isAbsolute() || !("http".equals(baseUri.getScheme()) || "https".equals(baseUri.getScheme()))
                    || baseUri.getHost() == null || baseUri.getQuery() != null || baseUri.getFragment() != null) {
                throw new IllegalArgumentException("the base URI must be http://host[:port][/prefix] or https://..., "
                        + "without query or fragment, got " + baseUri);
            }
            this.baseUri = baseUri;
        }

        /** How long each attempt waits for its answer, unless a call says otherwise (default 30 s). */
        public Builder timeout(Duration t) {
            this.timeout = checkTimeout(t);
            return this;
        }

        /** How tensors travel, unless a call says otherwise (default {@link Codec#BASE64}). */
        public Builder codec(Codec c) {
            this.codec = Objects.requireNonNull(c, "codec");
            return this;
        }

        /** Attempts of one call in all, first included, while the server answers 503 with Retry-After (default 3). */
        public Builder maxAttempts(int n) {
            if (n < 1 || n > 100) {
                throw new IllegalArgumentException("maxAttempts must be 1 to 100, got " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /** The longest wait before a retry, whatever Retry-After says (default 10 s). */
        public Builder maxRetryDelay(Duration d) {
            Objects.requireNonNull(d, "maxRetryDelay");
            if (d.isNegative()) {
                throw new IllegalArgumentException("maxRetryDelay must not be negative, got " + d);
            }
            this.maxRetryDelay = d;
            return this;
        }

        /** The server's {@code ADMIN_TOKEN}, sent as {@code Authorization: Bearer} on load and unload only. */
        public Builder adminToken(String token) {
            Objects.requireNonNull(token, "token");
            if (token.isEmpty() || token.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
                throw new IllegalArgumentException("an admin token is printable ASCII without spaces, "
                        + token.length() + " characters given");
            }
            this.adminToken = Optional.of(token);
            return this;
        }

        /** Where retries wait (default: one daemon thread of the client's own, stopped by {@link #close}). */
        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /**
         * The HttpClient to send with, for TLS, proxies, authenticators or an executor of your own (default: a new
         * HTTP/1.1 client whose connect timeout is {@link #timeout}).
         */
        public Builder httpClient(HttpClient client) {
            this.http = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The client. */
        public InfernoClient build() {
            return new InfernoClient(this);
        }
    }
}
