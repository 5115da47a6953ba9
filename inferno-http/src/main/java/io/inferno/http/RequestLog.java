package io.inferno.http;

import io.javalin.http.Context;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Request logging: the request id ({@code X-Request-ID}, kept when the client sends a well-formed one), the
 * model and version a request is about, the log context (MDC) around lines logged for a request, and the access
 * log. The field names are those of docs/api.md.
 *
 * <p>Javalin may recycle a request before its last log line (a client that disconnected): every read of the
 * request here tolerates that and falls back to what it can still tell.
 */
final class RequestLog {
    private static final Logger ACCESS = LoggerFactory.getLogger("io.inferno.http.access");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final String ID_ATTRIBUTE = "inferno.requestId";
    private static final String MODEL_ATTRIBUTE = "inferno.model";
    private static final String VERSION_ATTRIBUTE = "inferno.version";

    private final boolean accessLog;

    /** @param accessLog whether to write one access-log line per request */
    RequestLog(boolean accessLog) {
        this.accessLog = accessLog;
    }

    /** Gives the request its id, echoed in the {@code X-Request-ID} response header. */
    static void begin(Context ctx) {
        String id = requestIdFor(ctx.header("X-Request-ID"));
        ctx.attribute(ID_ATTRIBUTE, id);
        ctx.header("X-Request-ID", id);
    }

    /** The id a request gets: the client's own if it is 1 to 128 of {@code [A-Za-z0-9._:-]}, else a new UUID. */
    static String requestIdFor(String given) {
        return given != null && REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }

    /** The request's id, or {@code "-"} when it has none or is gone. */
    static String requestId(Context ctx) {
        try {
            String id = ctx.attribute(ID_ATTRIBUTE);
            return id == null ? "-" : id;
        } catch (RuntimeException requestAlreadyRecycled) {
            return "-";
        }
    }

    /** Records the model a request is about, for metrics and the log context. */
    static void model(Context ctx, String name) {
        ctx.attribute(MODEL_ATTRIBUTE, name);
    }

    /** The model a request is about, or null. */
    static String model(Context ctx) {
        return ctx.attribute(MODEL_ATTRIBUTE);
    }

    /** Records the model version a request is about, for the log context. */
    static void version(Context ctx, long version) {
        ctx.attribute(VERSION_ATTRIBUTE, version);
    }

    /** The route template the request matched, or {@code "unmatched"}. */
    static String routeOf(Context ctx) {
        try {
            return ctx.endpoint().path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }

    /** Writes the access-log line of a finished request, if the access log is on. */
    void access(Context ctx, String route, int status, Float millis) {
        if (accessLog) {
            withContext(ctx, route, status, millis, () -> ACCESS.info("{} {} {} {} ms", ctx.method(), ctx.path(),
                    status, String.format("%.2f", millis)));
        }
    }

    /**
     * Runs {@code log} with the request's log context (request id, route, method, status, duration, model,
     * version) and clears it afterwards.
     *
     * @param millis the duration, or null when the request has not finished
     */
    static void withContext(Context ctx, String route, int status, Float millis, Runnable log) {
        try {
            putContext(ctx, route, status, millis);
        } catch (RuntimeException requestAlreadyRecycled) {
            MDC.put("request_id", requestId(ctx));
        }
        try {
            log.run();
        } finally {
            MDC.clear();
        }
    }

    private static void putContext(Context ctx, String route, int status, Float millis) {
        MDC.put("request_id", requestId(ctx));
        MDC.put("route", route);
        MDC.put("method", ctx.method().name());
        MDC.put("status", Integer.toString(status));
        if (millis != null) {
            MDC.put("duration_ms", Long.toString(Math.round(millis)));
        }
        String model = ctx.attribute(MODEL_ATTRIBUTE);
        if (model != null) {
            MDC.put("model", model);
        }
        Long version = ctx.attribute(VERSION_ATTRIBUTE);
        if (version != null) {
            MDC.put("version", Long.toString(version));
        }
    }
}
