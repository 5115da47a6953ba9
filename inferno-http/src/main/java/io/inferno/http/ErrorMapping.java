package io.inferno.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.inferno.DeadlineExceededException;
import io.inferno.InvalidInputException;
import io.inferno.ModelExecutionException;
import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.OverloadedException;
import io.inferno.StateUnavailableException;
import io.inferno.text.ClientText;
import java.io.ByteArrayOutputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP statuses and error bodies. Every error body is
 * {@code {"detail": "..."}} ({@link #body}), including Jetty's own ({@link JsonErrorHandler}), with the list of
 * {@code "problems"} beside it for an {@link InvalidInputException} (so a client gets each problem back as it
 * was, whatever characters it holds), except under {@code /v2}, the Open Inference Protocol's routes
 * ({@link OpenInferenceRoutes}), whose errors are that
 * protocol's {@code {"error": "..."}} and whose invalid requests are 400 where the native API says 422
 * ({@link Dialect}). The dialect follows the path, so failures raised before a route runs (a body refused while
 * it arrived, no such route) answer in the shape the client expects too.
 *
 * <table>
 *   <caption>status by failure</caption>
 *   <tr><td>{@link InvalidInputException}</td><td>422</td></tr>
 *   <tr><td>{@link ModelLoadException} (admin load of a package that cannot be loaded)</td><td>422</td></tr>
 *   <tr><td>{@link ModelNotFoundException}</td><td>404</td></tr>
 *   <tr><td>{@link OverloadedException} (queue full, draining, memory budget)</td><td>503 + Retry-After</td></tr>
 *   <tr><td>{@link StateUnavailableException}</td><td>503 + Retry-After</td></tr>
 *   <tr><td>{@link DeadlineExceededException}</td><td>504</td></tr>
 *   <tr><td>{@link ModelExecutionException}</td><td>500, with the model's message</td></tr>
 *   <tr><td>{@link HttpProblem}</td><td>its own status (400, 401, 403, 404, 405, 413, 415; 503 + Retry-After for a model
 *   not loaded yet at startup)</td></tr>
 *   <tr><td>{@link BodyTooLargeException}</td><td>413</td></tr>
 *   <tr><td>{@link SlowBodyException}</td><td>408</td></tr>
 *   <tr><td>a malformed request Jetty found while the body arrived (bad chunking)</td><td>Jetty's 4xx</td></tr>
 *   <tr><td>a body that is not JSON (a parse error, or characters that do not decode)</td><td>400</td></tr>
 *   <tr><td>anything else: a bug</td><td>500, "internal error; request id ..."</td></tr>
 * </table>
 */
final class ErrorMapping {
    /** The error body shape and status conventions of a route family. */
    enum Dialect {
        /** The native API: {@code {"detail": ...}}, 422 for requests that disagree with the model. */
        NATIVE("detail"),
        /** The Open Inference Protocol under {@code /v2}: {@code {"error": ...}}, 400 for every invalid request. */
        V2("error");

        private final String field;

        Dialect(String field) {
            this.field = field;
        }

        /** The dialect of a request path: {@link #V2} for {@code /v2} and below. */
        static Dialect of(String path) {
            return path != null && (path.equals("/v2") || path.startsWith("/v2/")) ? V2 : NATIVE;
        }

        /** The status this dialect gives a failure the native API answers with {@code status}. */
        int status(int status) {
            return this == V2 && status == 422 ? 400 : status;
        }
    }

    /** Seconds a client should wait before retrying a 503. */
    static final int RETRY_AFTER_SECONDS = 1;

    /** The longest {@code detail} an error answer carries (messages are bounded before; this is the last guard). */
    static final int MAX_DETAIL_CHARS = 8192;

    /**
     * A mapped failure.
     *
     * @param status the HTTP status
     * @param detail the message for {@code {"detail": ...}}
     * @param retryAfter whether to send {@code Retry-After}
     * @param bug whether this is an unexpected failure that must be logged with its stack trace
     * @param problems each problem of an invalid input, as {@link InvalidInputException#problems()} lists them;
     *     empty for any other failure
     */
    record Mapped(int status, String detail, boolean retryAfter, boolean bug, List<String> problems) {
        Mapped {
            problems = List.copyOf(problems);
        }

        Mapped(int status, String detail, boolean retryAfter, boolean bug) {
            this(status, detail, retryAfter, bug, List.of());
        }
    }

    /** Failures are logged under the server's name, whichever route answered them. */
    private static final Logger LOG = LoggerFactory.getLogger(InfernoServer.class);

    private ErrorMapping() {}

    /**
     * Logs a failure as its mapping says, in the request's log context: a bug as an ERROR with its stack trace, a
     * model's failure (500) as a WARN with the model's message, a client's mistake not at all.
     */
    static void log(Mapped m, Throwable failure, RequestLog.Entry entry) {
        if (m.bug()) {
            RequestLog.withContext(entry, m.status(), null, () -> LOG.error("unexpected failure on {} {}",
                    entry.method(), entry.path(), unwrap(failure)));
        } else if (m.status() == 500) {
            RequestLog.withContext(entry, m.status(), null,
                    () -> LOG.warn("model failed: {}", ClientText.truncate(m.detail(), MAX_DETAIL_CHARS)));
        }
    }

    /** Maps a failure for a route of {@code dialect}. */
    static Mapped map(Throwable failure, String requestId, Dialect dialect) {
        Mapped m = map(failure, requestId);
        return new Mapped(dialect.status(m.status()), m.detail(), m.retryAfter(), m.bug(), m.problems());
    }

    static Mapped map(Throwable failure, String requestId) {
        Throwable t = unwrap(failure);
        if (t instanceof InvalidInputException i) {
            return new Mapped(422, i.getMessage(), false, false, i.problems());
        }
        if (t instanceof ModelLoadException) {
            return new Mapped(422, t.getMessage(), false, false);
        }
        if (t instanceof ModelNotFoundException) {
            return new Mapped(404, t.getMessage(), false, false);
        }
        if (t instanceof OverloadedException) {
            return new Mapped(503, t.getMessage(), true, false);
        }
        if (t instanceof StateUnavailableException) {
            return new Mapped(503, t.getMessage(), true, false);
        }
        if (t instanceof DeadlineExceededException) {
            return new Mapped(504, t.getMessage(), false, false);
        }
        if (t instanceof ModelExecutionException) {
            return new Mapped(500, t.getMessage(), false, false);
        }
        if (t instanceof HttpProblem p) {
            return new Mapped(p.status(), p.getMessage(), p.status() == 503, false);
        }
        if (t instanceof BodyTooLargeException) {
            return new Mapped(413, t.getMessage(), false, false);
        }
        if (t instanceof SlowBodyException) {
            return new Mapped(408, t.getMessage(), false, false);
        }
        if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
            return new Mapped(h.getCode(), "malformed request: "
                    + (h.getReason() == null ? HttpStatus.getMessage(h.getCode()) : h.getReason()), false, false);
        }
        if (t instanceof JsonProcessingException j) {
            return new Mapped(400, "request body is not valid JSON: " + forClients(j.getOriginalMessage())
                    + (j.getLocation() == null ? "" : " at line " + j.getLocation().getLineNr() + ", column "
                            + j.getLocation().getColumnNr()), false, false);
        }
        if (t instanceof CharConversionException c) {
            // Jackson reads a body that starts like UTF-32 through its own reader, which reports bad characters
            // with this IOException rather than a parse error
            return new Mapped(400, "request body is not valid JSON: " + c.getMessage(), false, false);
        }
        if (t instanceof java.io.EOFException) {
            return new Mapped(400, "request body ended early", false, false);
        }
        return new Mapped(500, "internal error; request id " + requestId, false, true);
    }

    /** Jackson's report of a bare {@code NaN}, {@code Infinity} or {@code -Infinity}. */
    private static final Pattern NON_NUMERIC = Pattern.compile(
            "Non-standard token '([^']*)': enable `JsonReadFeature\\.ALLOW_NON_NUMERIC_NUMBERS` to allow");

    /** Jackson's hints at its own settings, which a client cannot change. */
    private static final Pattern FEATURE_HINT = Pattern.compile(
            ": enable `JsonReadFeature\\.[A-Z_]+` to allow| \\(not recognized as one since Feature '[A-Z_]+' not "
                    + "enabled for parser\\)");

    /**
     * A parse error of Jackson's told to the client: a bare non-finite number says how to write it (JSON has no
     * NaN), and hints at parser settings (which only the server could change) are left out.
     */
    static String forClients(String jackson) {
        Matcher nonNumeric = NON_NUMERIC.matcher(jackson);
        if (nonNumeric.find()) {
            return nonNumeric.replaceFirst(Matcher.quoteReplacement("bare " + nonNumeric.group(1)
                    + " is not JSON; write NaN and the infinities as strings: \"NaN\", \"Infinity\", \"-Infinity\""));
        }
        return FEATURE_HINT.matcher(jackson).replaceAll("");
    }

    /** An error body, {@code {"detail": "..."}}, with the detail cut to {@link #MAX_DETAIL_CHARS}. */
    static byte[] body(String detail) {
        return body(detail, Dialect.NATIVE);
    }

    /** An error body of {@code dialect}, with the message cut to {@link #MAX_DETAIL_CHARS}. */
    static byte[] body(String detail, Dialect dialect) {
        return body(detail, dialect, List.of());
    }

    /**
     * An error body of {@code dialect}, with the message cut to {@link #MAX_DETAIL_CHARS}; on the native API with
     * {@code problems} listed too, when there are any (they are bounded: {@link InvalidInputException#problems()}).
     */
    static byte[] body(String detail, Dialect dialect, List<String> problems) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + Math.min(detail.length(), MAX_DETAIL_CHARS));
        try (JsonGenerator g = Bodies.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(dialect.field, ClientText.truncate(detail, MAX_DETAIL_CHARS));
            if (dialect == Dialect.NATIVE && !problems.isEmpty()) {
                g.writeArrayFieldStart("problems");
                for (String p : problems) {
                    g.writeString(p);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
