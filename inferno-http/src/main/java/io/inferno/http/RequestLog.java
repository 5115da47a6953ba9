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

    /**
     * What the log context says about one request: its id, the route template it matched, its method and path, and
     * the model and version it is about. Every field but the id may be null (unknown, or the request is gone).
     */
    record Entry(String requestId, String route, String method, String path, String model, Long version) {}

    /** The entry of a Javalin request; only its id when Javalin recycled the request already. */
    static Entry entry(Context ctx, String route) {
        try {
            return new Entry(requestId(ctx), route, ctx.method().name(), ctx.path(), ctx.attribute(MODEL_ATTRIBUTE),
                    ctx.attribute(VERSION_ATTRIBUTE));
        } catch (RuntimeException requestAlreadyRecycled) {
            return new Entry(requestId(ctx), null, null, null, null, null);
        }
    }

    /** Writes the access-log line of a finished request, if the access log is on. */
    void access(Entry entry, int status, float millis) {
        if (accessLog) {
            withContext(entry, status, millis, () -> ACCESS.info("{} {} {} {} ms", entry.method(), entry.path(),
                    status, String.format("%.2f", millis)));
        }
    }

    /**
     * Runs {@code log} with the request's log context (request id, route, method, status, duration, model,
     * version) and clears it afterwards. An entry without a route (the request was gone) gives the id alone.
     *
     * @param millis the duration, or null when the request has not finished
     */
    static void withContext(Entry entry, int status, Float millis, Runnable log) {
        MDC.put("request_id", entry.requestId());
        if (entry.route() != null) {
            MDC.put("route", entry.route());
            MDC.put("method", entry.method());
            MDC.put("status", Integer.toString(status));
            if (millis != null) {
                MDC.put("duration_ms", Long.toString(Math.round(millis)));
            }
            if (entry.model() != null) {
                MDC.put("model", entry.model());
            }
            if (entry.version() != null) {
                MDC.put("version", Long.toString(entry.version()));
            }
        }
        try {
            log.run();
        } finally {
            MDC.clear();
        }
    }
}
