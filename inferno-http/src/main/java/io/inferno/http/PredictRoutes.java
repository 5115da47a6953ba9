package io.inferno.http;

import io.inferno.Inferno;
import io.inferno.ModelDescription;
import io.inferno.ModelNotFoundException;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The native predict routes, {@code POST /v1/models/{name}:predict} and
 * {@code POST /v1/models/{name}/versions/{version}:predict}, served from Jetty's core API in front of Javalin's
 * servlet, behind {@link RequestIntake} (so the body is whole before a thread sees it). Every other request,
 * including another method on these paths, goes on to Javalin.
 *
 * <p>Why not a Javalin route: the servlet layer and Javalin's asynchronous path (start, future stages, complete,
 * and the dispatch that writes the answer) cost more per request than the whole of a bare endpoint's work. On the
 * tiny model at 32 connections this handler answered 21,916 / 23,270 / 23,699 requests/s against 16,308 / 17,841 /
 * 19,571 through Javalin, with the bare Javalin endpoint at 25,231 / 29,345 / 30,025 in the same rounds
 * (docs/performance.md). The answer is written with one {@link Response#write} from whichever thread has it.
 *
 * <p>It keeps the contract of Javalin's routes exactly: paths match as Javalin matches them (on the path as sent,
 * a parameter being one or more characters other than {@code /}, a trailing slash ignored, parameters
 * percent-decoded), and the request id, {@code Connection: close} while shutting down, the answer's status and
 * JSON body through {@link ErrorMapping}, the request counter, the access log and its log context, and gzip for an
 * answer of {@value #GZIP_MIN_BYTES} bytes or more to a client that accepts it (Javalin's default) are the same.
 * Javalin still registers the two routes, so that another method on these paths answers 405 with
 * {@code Allow: GET, POST} and the route list stays whole; its handlers are never reached.
 */
final class PredictRoutes extends Handler.Wrapper {
    /** The route templates, as registered and counted. */
    static final String ROUTE = "/v1/models/{name}:predict";
    static final String VERSION_ROUTE = "/v1/models/{name}/versions/{version}:predict";

    /** Javalin's matching of the two templates: a parameter is {@code [^/]+?}, a trailing slash is ignored. */
    private static final Pattern PATH = Pattern.compile("/v1/models/([^/]+?)(?:/versions/([^/]+?))?:predict/?");
    /** Javalin compresses answers from this size on, for a client that accepts gzip. */
    static final int GZIP_MIN_BYTES = 1500;
    private static final String JSON_TYPE = "application/json";

    /** Refuses a prediction the server cannot take now (see {@link InfernoServer}). */
    interface Admission {
        void admit(String name, OptionalLong version);
    }

    private final Inferno inferno;
    private final Executor httpThreads;
    private final Admission admission;
    private final BooleanSupplier shuttingDown;
    private final HttpMetrics metrics;
    private final RequestLog requestLog;

    PredictRoutes(Inferno inferno, Executor httpThreads, Admission admission, BooleanSupplier shuttingDown,
            HttpMetrics metrics, RequestLog requestLog) {
        this.inferno = inferno;
        this.httpThreads = httpThreads;
        this.admission = admission;
        this.shuttingDown = shuttingDown;
        this.metrics = metrics;
        this.requestLog = requestLog;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (HttpMethod.POST.is(request.getMethod())) {
            Matcher m = PATH.matcher(request.getHttpURI().getPath());
            if (m.matches()) {
                // in Jetty's core API an idle timeout fails a request that waits without reading or writing; the
                // servlet layer ignored it, and so does this route: a model may run longer than IDLE_TIMEOUT_S
                request.addIdleTimeoutListener(timeout -> false);
                new Exchange(request, response, callback, m.group(2) == null ? ROUTE : VERSION_ROUTE)
                        .predict(m.group(1), m.group(2));
                return true;
            }
        }
        return super.handle(request, response, callback);
    }

    /** A path parameter as Javalin decodes it: percent-escapes as UTF-8, a {@code +} kept as it is. */
    static String pathParameter(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            throw new ModelNotFoundException(); // Jetty refuses malformed escapes before; no model has such a name
        }
    }

    /** One request, from its match to its answer. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final String route;
        private final String id;
        // set on the request's thread before the prediction is submitted, or with its answer: read after that
        private String model;
        private Long version;

        Exchange(Request request, Response response, Callback callback, String route) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.route = route;
            this.id = RequestLog.requestIdFor(request.getHeaders().get("X-Request-ID"));
        }

        void predict(String rawName, String rawVersion) {
            try {
                String name = pathParameter(rawName);
                model = name;
                OptionalLong pinned = rawVersion == null ? OptionalLong.empty()
                        : OptionalLong.of(InfernoServer.version(pathParameter(rawVersion)));
                admission.admit(name, pinned);
                ReceivedBody received = ReceivedBody.of(request);
                Answers.Submitted<Bodies.Predict> submitted = Answers.submit(inferno, name, pinned, () -> {
                    Bodies.Predict body = Bodies.readPredict(received.bytes(), received.length());
                    received.hold(Bodies.byteSize(body.inputs().values()));
                    PredictRequest.Builder b = PredictRequest.builder(name).inputs(body.inputs());
                    pinned.ifPresent(b::version);
                    body.outputs().ifPresent(b::outputs);
                    body.timeoutMs().ifPresent(ms -> b.timeout(Duration.ofMillis(ms)));
                    return new Answers.Decoded<>(body, b.build());
                });
                BiConsumer<Prediction, Throwable> answer = (prediction, failure) -> {
                    if (failure != null) {
                        fail(failure);
                    } else {
                        answer(submitted.body(), prediction, received);
                    }
                };
                Answers.answer(submitted.result(), httpThreads, answer);
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        private void answer(Bodies.Predict body, Prediction prediction, ReceivedBody received) {
            try {
                version = prediction.version();
                Codec codec = body.codec().orElseGet(() -> defaultCodec(prediction.model(), prediction.version()));
                received.count(Bodies.byteSize(prediction.outputs().values()));
                byte[] json = Bodies.prediction(prediction.model(), prediction.version(), prediction.outputs(), codec);
                received.count(json.length);
                write(200, json, false);
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        private void fail(Throwable failure) {
            ErrorMapping.Mapped m = ErrorMapping.map(failure, id, ErrorMapping.Dialect.NATIVE);
            ErrorMapping.log(m, failure, entry());
            write(m.status(), ErrorMapping.body(m.detail(), ErrorMapping.Dialect.NATIVE, m.problems()), m.retryAfter());
        }

        private RequestLog.Entry entry() {
            return new RequestLog.Entry(id, route, request.getMethod(), request.getHttpURI().getPath(), model, version);
        }

        /** Counts, logs and writes the answer: the exchange completes once it is written, or failed. */
        private void write(int status, byte[] body, boolean retryAfter) {
            float millis = (System.nanoTime() - request.getBeginNanoTime()) / 1e6f;
            metrics.count(model == null ? "" : inferno.metricsLabel(model), route, status);
            requestLog.access(entry(), status, millis);
            try {
                response.setStatus(status);
                HttpFields.Mutable headers = response.getHeaders();
                headers.put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
                headers.put("X-Request-ID", id);
                if (retryAfter) {
                    headers.put(HttpHeader.RETRY_AFTER, Integer.toString(ErrorMapping.RETRY_AFTER_SECONDS));
                }
                if (shuttingDown.getAsBoolean()) {
                    headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString()); // the connection is about to go
                }
                if (body.length >= GZIP_MIN_BYTES && acceptsGzip(request.getHeaders())) {
                    body = gzip(body);
                    headers.put(HttpHeader.CONTENT_ENCODING, "gzip");
                }
                response.write(true, ByteBuffer.wrap(body), callback);
            } catch (RuntimeException exchangeGone) {
                callback.failed(exchangeGone); // the client went away and Jetty ended the exchange
            }
        }
    }

    private Codec defaultCodec(String name, long version) {
        try {
            // the version just answered, so it is loaded and this completes at once
            ModelDescription d = inferno.describe(name, OptionalLong.of(version)).getNow(null);
            return d == null ? Codec.JSON : d.defaultCodec();
        } catch (RuntimeException unloadedMeanwhile) {
            return Codec.JSON;
        }
    }

    /** A coding's parameters that refuse it: {@code q=0}, {@code q=0.0}, ... */
    private static final Pattern REFUSED = Pattern.compile(";\\s*q\\s*=\\s*0(?:\\.0*)?\\s*(?:;|$)");

    /** Whether an {@code Accept-Encoding} accepts gzip: it is listed, without {@code q=0}. */
    static boolean acceptsGzip(HttpFields headers) {
        for (HttpField field : headers.getFields(HttpHeader.ACCEPT_ENCODING)) {
            for (String coding : field.getValues()) {
                int semicolon = coding.indexOf(';');
                String name = (semicolon < 0 ? coding : coding.substring(0, semicolon)).trim();
                if (name.equalsIgnoreCase("gzip")) {
                    return semicolon < 0 || !REFUSED.matcher(coding.substring(semicolon)).find();
                }
            }
        }
        return false;
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }
}
