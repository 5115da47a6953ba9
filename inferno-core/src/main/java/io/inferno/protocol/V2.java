package io.inferno.protocol;

import io.inferno.InvalidInputException;
import io.inferno.ModelNotFoundException;
import io.inferno.PredictRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Open Inference Protocol facts that belong to no single message: the server's name, version and extensions,
 * model version strings, and the request parameters Inferno understands.
 */
public final class V2 {
    /** The server name in server metadata. */
    public static final String SERVER_NAME = "inferno";

    /** The protocol extensions every binding supports (none yet: the REST binding adds its own). */
    public static final List<String> EXTENSIONS = List.of();

    /** Request parameter: how long the request may wait in the queue, in milliseconds (as the native API). */
    public static final String TIMEOUT_MS = "timeout_ms";

    /** Request parameter: Triton's request timeout, in microseconds (what {@code tritonclient}'s timeout sets). */
    public static final String TIMEOUT_US = "timeout";

    private static final String VERSION = readVersion();

    private V2() {}

    /** This build's version, for server metadata. */
    public static String serverVersion() {
        return VERSION;
    }

    private static String readVersion() {
        try (InputStream in = V2.class.getResourceAsStream("server.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The version a request names: empty for an empty string (the active version), else a positive integer.
     *
     * @throws ModelNotFoundException for anything else, as for a version that does not exist
     */
    public static OptionalLong modelVersion(String text) {
        if (text == null || text.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long v = Long.parseLong(text);
            if (v > 0) {
                return OptionalLong.of(v);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ModelNotFoundException();
    }

    /**
     * The queue timeout a timeout parameter asks for.
     *
     * @param name {@link #TIMEOUT_MS} or {@link #TIMEOUT_US}
     * @param value the parameter's integer value
     * @throws InvalidInputException unless the value is positive and at most {@link PredictRequest#MAX_TIMEOUT}
     * @throws IllegalArgumentException for another name
     */
    public static Duration timeout(String name, long value) {
        TimeUnit unit = switch (name) {
            case TIMEOUT_MS -> TimeUnit.MILLISECONDS;
            case TIMEOUT_US -> TimeUnit.MICROSECONDS;
            default -> throw new IllegalArgumentException("not a timeout parameter: " + name);
        };
        String unitName = unit == TimeUnit.MILLISECONDS ? "milliseconds" : "microseconds";
        if (value <= 0) {
            throw new InvalidInputException(
                    "parameter " + name + " must be a positive integer (" + unitName + "), got " + value);
        }
        if (value > unit.convert(PredictRequest.MAX_TIMEOUT)) {
            throw new InvalidInputException("parameter " + name + " must be at most "
                    + unit.convert(PredictRequest.MAX_TIMEOUT) + " (24 hours), got " + value);
        }
        return Duration.ofNanos(unit.toNanos(value));
    }
}
