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
import java.util.List;
import java.util.Optional;
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
 * The prediction routes, served from Jetty's core API in front of Javalin's servlet and behind
 * {@link RequestIntake} (so the body is whole before a thread sees it): the native
 * {@code POST /v1/models/{name}:predict} and {@code POST /v1/models/{name}/versions/{version}:predict}, and the
 * Open Inference Protocol's {@code POST /v2/models/{name}/infer} and
 * {@code POST /v2/models/{name}/versions/{version}/infer}. Every other request, including another method on these
 * paths, goes on to Javalin.
 *
 * <p>Why not Javalin routes: the servlet layer and Javalin's asynchronous path (start, future stages, complete,
 * and the dispatch that writes the answer) cost about a quarter of the requests per second. On the tiny model at
 * 32 connections a first version of this handler answered 21,916 / 23,270 / 23,699 requests/s
 * against 16,308 / 17,841 / 19,571 through Javalin, with the bare Javalin endpoint at 25,231 / 29,345 / 30,025 in
 * the same rounds (docs/performance.md). The answer is written with one {@link Response#write} from whichever
 * thread has it.
 *
 * <p>It keeps the contract Javalin's routes had: paths match as Javalin matches them (on the path as sent, a
 * parameter being one or more characters other than {@code /}, a trailing slash ignored, parameters
 * percent-decoded), and the request id, {@code Connection: close} while shutting down, the answer's status and
 * body through {@link ErrorMapping} in the route's dialect, the request counter, the access log and its log
 * context, and gzip for an answer of {@value #GZIP_MIN_BYTES} bytes or more to a client that accepts it (Javalin's
 * default) are the same. A request waiting for its model is not cut by the idle timeout. Javalin still registers
 * the routes, so that another method on their paths answers 405 with the right {@code Allow} and the route list
 * stays whole; its handlers are never reached.
 */
final class PredictRoutes extends Handler.Wrapper {
    /** Javalin compresses answers from this size on, for a client that accepts gzip. */
    static final int GZIP_MIN_BYTES = 1500;
    static final String JSON_TYPE = "application/json";

    /** How a family of routes reads its requests and writes its answers. */
    interface Format<B> {
        /**
         * Decodes a request's body into the prediction to submit.
         *
         * @param version the version the path names, if any
         */
        Answers.Decoded<B> decode(Request request, ReceivedBody received, String name, OptionalLong version)
                throws IOException;

        /** Encodes the answer to a prediction. */
        Answer encode(B body, Prediction prediction) throws IOException;
    }

    /** An encoded answer: its bytes, their content type, and one more header when the format has one. */
    record Answer(byte[] bytes, String contentType, Optional<HttpField> header) {
        static Answer json(byte[] bytes) {
            return new Answer(bytes, JSON_TYPE, Optional.empty());
        }
    }

    /**
     * A family of routes: the regular expression of its two paths (group 1 the name, group 2 the version when
     * the path names one), their templates as registered and counted, its error dialect and its format.
     */
    record Family<B>(Pattern path, String route, String versionRoute, ErrorMapping.Dialect dialect, Format<B> format) {}

    /** Refuses a prediction the server cannot take now (see {@link InfernoServer}). */
    interface Admission {
        void admit(String name, OptionalLong version);
    }

    private final List<Family<?>> families;
    private final Inferno inferno;
    private final Executor httpThreads;
    private final Admission admission;
    private final BooleanSupplier shuttingDown;
    private final HttpMetrics metrics;
    private final RequestLog requestLog;

    PredictRoutes(List<Family<?>> families, Inferno inferno, Executor httpThreads, Admission admission,
            BooleanSupplier shuttingDown, HttpMetrics metrics, RequestLog requestLog) {
        this.families = List.copyOf(families);
        this.inferno = inferno;
        this.httpThreads = httpThreads;
        this.admission = admission;
        this.shuttingDown = shuttingDown;
        this.metrics = metrics;
        this.requestLog = requestLog;
    }

    /** The native routes' family: {@link Bodies}' predict requests and answers. */
    static Family<Bodies.Predict> nativeFamily(Inferno inferno) {
        return new Family<>(Pattern.compile("/v1/models/([^/]+?)(?:/versions/([^/]+?))?:predict/?"),
                "/v1/models/{name}:predict", "/v1/models/{name}/versions/{version}:predict",
                ErrorMapping.Dialect.NATIVE, new Format<>() {
                    @Override
                    public Answers.Decoded<Bodies.Predict> decode(Request request, ReceivedBody received, String name,
                            OptionalLong version) throws IOException {
                        Bodies.Predict body = Bodies.readPredict(received.bytes(), received.length());
                        received.hold(Bodies.byteSize(body.inputs().values()));
                        PredictRequest.Builder b = PredictRequest.builder(name).inputs(body.inputs());
                        version.ifPresent(b::version);
                        body.outputs().ifPresent(b::outputs);
                        body.timeoutMs().ifPresent(ms -> b.timeout(Duration.ofMillis(ms)));
                        return new Answers.Decoded<>(body, b.build());
                    }

                    @Override
                    public Answer encode(Bodies.Predict body, Prediction prediction) throws IOException {
                        Codec codec = body.codec().orElseGet(() -> defaultCodec(inferno, prediction));
                        return Answer.json(Bodies.prediction(prediction.model(), prediction.version(),
                                prediction.outputs(), codec));
                    }
                });
    }

    private static Codec defaultCodec(Inferno inferno, Prediction prediction) {
        try {
            // the version just answered, so it is loaded and this completes at once
            ModelDescription d = inferno.describe(prediction.model(), OptionalLong.of(prediction.version()))
                    .getNow(null);
            return d == null ? Codec.JSON : d.defaultCodec();
        } catch (RuntimeException unloadedMeanwhile) {
            return Codec.JSON;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (HttpMethod.POST.is(request.getMethod())) {
            String path = request.getHttpURI().getPath();
            for (Family<?> family : families) {
                Matcher m = family.path().matcher(path);
                if (m.matches()) {
                    // in Jetty's core API an idle timeout fails a request that waits without reading or writing;
                    // the servlet layer ignored it, and so do these routes: a model may run past IDLE_TIMEOUT_S
                    request.addIdleTimeoutListener(timeout -> false);
                    new Exchange<>(family, request, response, callback, m.group(2) == null ? family.route()
                            : family.versionRoute()).predict(m.group(1), m.group(2));
                    return true;
                }
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
    private final class Exchange<B> {
        private final Family<B> family;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final String route;
        private final String id;
        // set on the request's thread before the prediction is submitted, or with its answer: read after that
        private String model;
        private Long version;

        Exchange(Family<B> family, Request request, Response response, Callback callback, String route) {
            this.family = family;
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
                Answers.Submitted<B> submitted = Answers.submit(inferno, name, pinned,
                        () -> family.format().decode(request, received, name, pinned));
                BiConsumer<Prediction, Throwable> answer = (prediction, failure) -> {
                    if (failure != null) {
                        fail(failure);
                    } else {
                        answer(submitted.body(), prediction, received);
                    }
                };
                Answers.answer(submitted.result(), httpThreads, answer);
            } catch (Throwable e) { // the exchange must end whatever failed, an Error included: else it hangs
                fail(e);
            }
        }

        private void answer(B body, Prediction prediction, ReceivedBody received) {
            try {
                version = prediction.version();
                received.count(Bodies.byteSize(prediction.outputs().values()));
                Answer answer = family.format().encode(body, prediction);
                received.count(answer.bytes().length);
                write(200, answer, false);
            } catch (Throwable e) { // as in predict: an Error while encoding still answers (500) and ends the exchange
                fail(e);
            }
        }

        private void fail(Throwable failure) {
            ErrorMapping.Mapped m = ErrorMapping.map(failure, id, family.dialect());
            ErrorMapping.log(m, failure, entry());
            write(m.status(), Answer.json(ErrorMapping.body(m.detail(), family.dialect(), m.problems())),
                    m.retryAfter());
        }

        private RequestLog.Entry entry() {
            return new RequestLog.Entry(id, route, request.getMethod(), request.getHttpURI().getPath(), model, version);
        }

        /** Counts, logs and writes the answer: the exchange completes once it is written, or failed. */
        private void write(int status, Answer answer, boolean retryAfter) {
            float millis = (System.nanoTime() - request.getBeginNanoTime()) / 1e6f;
            metrics.count(model == null ? "" : inferno.metricsLabel(model), route, status);
            requestLog.access(entry(), status, millis);
            try {
                response.setStatus(status);
                HttpFields.Mutable headers = response.getHeaders();
                headers.put(HttpHeader.CONTENT_TYPE, answer.contentType());
                headers.put("X-Request-ID", id);
                answer.header().ifPresent(headers::put);
                if (retryAfter) {
                    headers.put(HttpHeader.RETRY_AFTER, Integer.toString(ErrorMapping.RETRY_AFTER_SECONDS));
                }
                if (shuttingDown.getAsBoolean()) { // the connection is about to go
                    headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                }
                byte[] bytes = answer.bytes();
                if (bytes.length >= GZIP_MIN_BYTES && acceptsGzip(request.getHeaders())) {
                    bytes = gzip(bytes);
                    headers.put(HttpHeader.CONTENT_ENCODING, "gzip");
                }
                response.write(true, ByteBuffer.wrap(bytes), callback);
            } catch (RuntimeException exchangeGone) {
                callback.failed(exchangeGone); // the client went away and Jetty ended the exchange
            }
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
