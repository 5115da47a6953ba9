package io.inferno.http;

import io.inferno.runtime.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The server's settings, read once from the environment. Unknown variables are ignored; every invalid value is
 * reported at once, naming the variable and the value (see the README's table).
 *
 * @param device where models run ({@code DEVICE}, default {@code auto})
 * @param repoRoot the model repository ({@code REPO_ROOT}, default {@code models})
 * @param preload load active versions at start ({@code PRELOAD}, default true)
 * @param accessLog one log line per request ({@code ACCESS_LOG} or the seed's {@code UVICORN_ACCESS_LOG})
 * @param metricsBuckets latency histogram buckets in seconds ({@code METRICS_BUCKETS})
 * @param redisUrl the shared state store ({@code REDIS_URL}); empty keeps state in process
 * @param redisPrefix key prefix in Redis ({@code REDIS_PREFIX}, default {@code inferno:model_state})
 * @param reconcileEnabled converge on the shared desired state in the background ({@code STATE_RECONCILE_ENABLED})
 * @param reconcileInterval how often ({@code STATE_RECONCILE_INTERVAL_S}, default 5.0)
 * @param host the interface to listen on ({@code HOST}, default 0.0.0.0)
 * @param port the port ({@code PORT}, default 8000; 0 picks a free one)
 * @param maxRequestBytes the largest request body accepted ({@code MAX_REQUEST_BYTES}, default 64 MiB)
 * @param adminToken when set, load and unload need {@code Authorization: Bearer <token>} ({@code ADMIN_TOKEN})
 * @param adminOrigins browser origins ({@code scheme://host[:port]}, lower case) allowed to call load and unload
 *     ({@code ADMIN_ALLOWED_ORIGINS}, comma-separated, default none: every cross-origin browser call is refused)
 * @param logLevel Inferno's log level ({@code LOG_LEVEL}, default INFO)
 * @param drainTimeout how long shutdown waits for accepted requests ({@code DRAIN_TIMEOUT_S}, default 30)
 * @param replicaId this replica's name in the fleet's heartbeats ({@code REPLICA_ID}, default host name and pid)
 * @param repoPollInterval how often to rescan the repository for new packages ({@code REPO_POLL_INTERVAL_S},
 *     default 0: never; an admin load always rescans its model)
 * @param httpThreads the most threads serving HTTP, Jetty's own included ({@code HTTP_THREADS}, default 250)
 * @param idleTimeout how long a connection may stay silent, in or between requests ({@code IDLE_TIMEOUT_S},
 *     default 30)
 * @param requestHeaderTimeout how long a request's header may take to arrive once it has begun
 *     ({@code REQUEST_HEADER_TIMEOUT_S}, default 10)
 * @param minRequestDataRate the slowest a request body may arrive, in bytes per second over each
 *     {@code requestRateWindow} ({@code MIN_REQUEST_DATA_RATE}, default 1024; 0 turns the check off)
 * @param requestRateWindow the window the body rate is measured over ({@code REQUEST_RATE_WINDOW_S}, default 5)
 * @param maxInflightBytes the memory budget of all requests in flight: bodies, decoded inputs and outputs until
 *     answered ({@code MAX_INFLIGHT_BYTES}, default a quarter of the heap, never below {@code maxRequestBytes})
 * @param grpcPort the Open Inference Protocol's gRPC port ({@code GRPC_PORT}, default 8001; {@code off}: empty, no
 *     gRPC server; 0 picks a free one); it listens on {@code HOST} too
 * @param grpcMaxMessageBytes the largest gRPC request message accepted ({@code GRPC_MAX_MESSAGE_BYTES}, default
 *     {@code MAX_REQUEST_BYTES})
 */
public record ServerSettings(Device device, Path repoRoot, boolean preload, boolean accessLog,
        double[] metricsBuckets, Optional<String> redisUrl, String redisPrefix, boolean reconcileEnabled,
        Duration reconcileInterval, String host, int port, long maxRequestBytes, Optional<String> adminToken,
        List<String> adminOrigins, String logLevel, Duration drainTimeout, Optional<String> replicaId,
        Duration repoPollInterval, int httpThreads, Duration idleTimeout, Duration requestHeaderTimeout,
        long minRequestDataRate, Duration requestRateWindow, long maxInflightBytes, OptionalInt grpcPort,
        int grpcMaxMessageBytes) {

    public static final long DEFAULT_MAX_REQUEST_BYTES = 64L * 1024 * 1024;
    /**
     * The fewest {@code HTTP_THREADS}: Jetty keeps up to 8 for accepting and selecting on large hosts, and the
     * rest serve requests.
     */
    static final int MIN_HTTP_THREADS = 16;
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    public ServerSettings {
        metricsBuckets = metricsBuckets.clone();
        adminOrigins = List.copyOf(adminOrigins);
    }

    @Override
    public double[] metricsBuckets() {
        return metricsBuckets.clone();
    }

    /** Thrown when a variable has an invalid value; the message names each variable and value. */
    public static final class InvalidSettingsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidSettingsException(List<String> problems) {
            super("invalid settings: " + String.join("; ", problems));
        }
    }

    /** The defaults, as with an empty environment. */
    public static ServerSettings defaults() {
        return fromEnvironment(Map.of());
    }

    /**
     * Reads the settings from environment variables.
     *
     * @throws InvalidSettingsException listing every invalid variable with its value
     */
    public static ServerSettings fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, Runtime.getRuntime().maxMemory());
    }

    /** As {@link #fromEnvironment(Map)}, on a heap of {@code maxHeapBytes} (for the default memory budget). */
    static ServerSettings fromEnvironment(Map<String, String> env, long maxHeapBytes) {
        Reader r = new Reader(env);
        Device device = r.read("DEVICE", "auto", Device::parse);
        Path repo = r.read("REPO_ROOT", "models", v -> {
            if (v.isBlank()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return Path.of(v);
        });
        boolean preload = r.read("PRELOAD", "true", ServerSettings::bool);
        String accessDefault = env.getOrDefault("UVICORN_ACCESS_LOG", "false");
        boolean accessLog = env.containsKey("ACCESS_LOG")
                ? r.read("ACCESS_LOG", "false", ServerSettings::bool)
                : r.read("UVICORN_ACCESS_LOG", accessDefault, ServerSettings::bool);
        double[] buckets = r.read("METRICS_BUCKETS", "0.005,0.01,0.02,0.04,0.08,0.16,0.32,0.64,1.28",
                ServerSettings::buckets);
        Optional<String> redis = Optional.ofNullable(env.get("REDIS_URL")).filter(v -> !v.isBlank());
        redis.ifPresent(v -> r.read("REDIS_URL", v, ServerSettings::redisUrl));
        String prefix = r.read("REDIS_PREFIX", "inferno:model_state", v -> {
            if (v.isBlank() || v.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("must be non-empty with no spaces");
            }
            return v;
        });
        boolean reconcile = r.read("STATE_RECONCILE_ENABLED", "true", ServerSettings::bool);
        Duration interval = r.read("STATE_RECONCILE_INTERVAL_S", "5.0", ServerSettings::seconds);
        String host = r.read("HOST", "0.0.0.0", v -> {
            if (v.isBlank()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return v;
        });
        int port = r.read("PORT", "8000", v -> (int) range(v, 0, 65535));
        long maxBytes = r.read("MAX_REQUEST_BYTES", Long.toString(DEFAULT_MAX_REQUEST_BYTES),
                v -> range(v, 1024, Integer.MAX_VALUE));
        Optional<String> token = Optional.ofNullable(env.get("ADMIN_TOKEN")).filter(v -> !v.isEmpty());
        List<String> origins = r.read("ADMIN_ALLOWED_ORIGINS", "", ServerSettings::origins);
        String level = r.read("LOG_LEVEL", "INFO", v -> {
            String l = v.trim().toUpperCase(Locale.ROOT);
            if (!LEVELS.contains(l)) {
                throw new IllegalArgumentException("must be one of " + String.join(", ", LEVELS));
            }
            return l;
        });
        Duration drain = r.read("DRAIN_TIMEOUT_S", "30", ServerSettings::seconds);
        Optional<String> replica = Optional.ofNullable(env.get("REPLICA_ID")).filter(v -> !v.isBlank());
        Duration poll = r.read("REPO_POLL_INTERVAL_S", "0", v -> v.equals("0") ? Duration.ZERO : seconds(v));
        int threads = r.read("HTTP_THREADS", "250", v -> (int) range(v, MIN_HTTP_THREADS, 10_000));
        Duration idle = r.read("IDLE_TIMEOUT_S", "30", ServerSettings::seconds);
        Duration headerTimeout = r.read("REQUEST_HEADER_TIMEOUT_S", "10", ServerSettings::seconds);
        long minRate = r.read("MIN_REQUEST_DATA_RATE", "1024", v -> range(v, 0, Integer.MAX_VALUE));
        Duration window = r.read("REQUEST_RATE_WINDOW_S", "5", ServerSettings::seconds);
        long heapQuarter = Math.max(maxHeapBytes / 4, maxBytes);
        long inflight = r.read("MAX_INFLIGHT_BYTES", Long.toString(heapQuarter), v -> {
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < maxBytes) {
                throw new IllegalArgumentException("must be a whole number of bytes, at least MAX_REQUEST_BYTES ("
                        + maxBytes + "): one body of the largest size must fit");
            }
            return n;
        });
        OptionalInt grpcPort = r.read("GRPC_PORT", "8001", v -> v.equalsIgnoreCase("off") ? OptionalInt.empty()
                : OptionalInt.of((int) range(v, 0, 65535, "or off")));
        if (grpcPort.isPresent() && grpcPort.getAsInt() != 0 && grpcPort.getAsInt() == port) {
            r.problem("GRPC_PORT", Integer.toString(port), "must differ from PORT (default 8001); set another port or"
                    + " off");
        }
        int grpcMaxBytes = r.read("GRPC_MAX_MESSAGE_BYTES", Long.toString(maxBytes),
                v -> (int) range(v, 1024, Integer.MAX_VALUE));
        r.throwIfInvalid();
        return new ServerSettings(device, repo, preload, accessLog, buckets, redis, prefix, reconcile, interval,
                host, port, maxBytes, token, origins, level, drain, replica, poll, threads, idle, headerTimeout,
                minRate, window, inflight, grpcPort, grpcMaxBytes);
    }

    /** Collects every problem instead of stopping at the first. */
    private static final class Reader {
        private final Map<String, String> env;
        private final List<String> problems = new ArrayList<>();

        Reader(Map<String, String> env) {
            this.env = env;
        }

        <T> T read(String name, String fallback, java.util.function.Function<String, T> parse) {
            String value = env.getOrDefault(name, fallback);
            try {
                return parse.apply(value.trim());
            } catch (RuntimeException e) {
                problems.add(name + "='" + value + "': " + e.getMessage());
                try {
                    return parse.apply(fallback); // a stand-in: throwIfInvalid() throws before it is used
                } catch (RuntimeException alsoInvalid) {
                    return null; // only for variables without a valid default, which are not unboxed
                }
            }
        }

        void problem(String name, String value, String message) {
            problems.add(name + "='" + value + "': " + message);
        }

        void throwIfInvalid() {
            if (!problems.isEmpty()) {
                throw new InvalidSettingsException(problems);
            }
        }
    }

    private static boolean bool(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                throw new IllegalArgumentException("must be true or false");
        }
    }

    private static long range(String v, long min, long max) {
        return range(v, min, max, "");
    }

    private static long range(String v, long min, long max, String orElse) {
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("must be a whole number from " + min + " to " + max
                + (orElse.isEmpty() ? "" : " " + orElse));
    }

    private static Duration seconds(String v) {
        try {
            double s = Double.parseDouble(v);
            if (s > 0 && s <= 86_400) {
                return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("must be a number of seconds above 0, at most 86400");
    }

    private static double[] buckets(String v) {
        String[] parts = v.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be comma-separated numbers of seconds");
            }
            if (!(out[i] > 0) || Double.isInfinite(out[i]) || (i > 0 && out[i] <= out[i - 1])) {
                throw new IllegalArgumentException("must be positive and strictly increasing");
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern ORIGIN =
            java.util.regex.Pattern.compile("https?://[^/?#\\s,]+");

    private static List<String> origins(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String origin = part.trim().toLowerCase(Locale.ROOT);
            if (origin.isEmpty()) {
                continue;
            }
            if (!ORIGIN.matcher(origin).matches()) {
                throw new IllegalArgumentException("must be comma-separated origins such as https://ops.example.com"
                        + " (scheme, host and optional port; no path)");
            }
            out.add(origin);
        }
        return out;
    }

    private static String redisUrl(String v) {
        if (!v.startsWith("redis://") && !v.startsWith("rediss://")) {
            throw new IllegalArgumentException("must start with redis:// or rediss://");
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerSettings s && Arrays.equals(metricsBuckets, s.metricsBuckets)
                && device.equals(s.device) && repoRoot.equals(s.repoRoot) && preload == s.preload
                && accessLog == s.accessLog && redisUrl.equals(s.redisUrl) && redisPrefix.equals(s.redisPrefix)
                && reconcileEnabled == s.reconcileEnabled && reconcileInterval.equals(s.reconcileInterval)
                && host.equals(s.host) && port == s.port && maxRequestBytes == s.maxRequestBytes
                && adminToken.equals(s.adminToken) && adminOrigins.equals(s.adminOrigins)
                && logLevel.equals(s.logLevel)
                && drainTimeout.equals(s.drainTimeout) && replicaId.equals(s.replicaId)
                && repoPollInterval.equals(s.repoPollInterval) && httpThreads == s.httpThreads
                && idleTimeout.equals(s.idleTimeout) && requestHeaderTimeout.equals(s.requestHeaderTimeout)
                && minRequestDataRate == s.minRequestDataRate && requestRateWindow.equals(s.requestRateWindow)
                && maxInflightBytes == s.maxInflightBytes && grpcPort.equals(s.grpcPort)
                && grpcMaxMessageBytes == s.grpcMaxMessageBytes;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(device, repoRoot, preload, accessLog, Arrays.hashCode(metricsBuckets),
                redisUrl, redisPrefix, reconcileEnabled, reconcileInterval, host, port, maxRequestBytes, adminToken,
                adminOrigins, logLevel, drainTimeout, replicaId, repoPollInterval, httpThreads, idleTimeout,
                requestHeaderTimeout, minRequestDataRate, requestRateWindow, maxInflightBytes, grpcPort,
                grpcMaxMessageBytes);
    }

    /** Never prints the admin token or a Redis password. */
    @Override
    public String toString() {
        return "ServerSettings[device=" + device + ", repoRoot=" + repoRoot + ", preload=" + preload
                + ", accessLog=" + accessLog + ", metricsBuckets=" + Arrays.toString(metricsBuckets)
                + ", redis=" + redisUrl.map(u -> u.replaceAll("//[^@/]*@", "//***@")).orElse("none")
                + ", redisPrefix=" + redisPrefix + ", reconcile=" + reconcileEnabled + "/" + reconcileInterval
                + ", host=" + host + ", port=" + port + ", maxRequestBytes=" + maxRequestBytes + ", adminToken="
                + (adminToken.isPresent() ? "set" : "none") + ", adminOrigins=" + adminOrigins + ", logLevel="
                + logLevel + ", drainTimeout=" + drainTimeout + ", repoPollInterval=" + repoPollInterval
                + ", httpThreads=" + httpThreads + ", idleTimeout=" + idleTimeout + ", requestHeaderTimeout="
                + requestHeaderTimeout + ", minRequestDataRate=" + minRequestDataRate + ", requestRateWindow="
                + requestRateWindow + ", maxInflightBytes=" + maxInflightBytes + ", grpcPort="
                + (grpcPort.isPresent() ? Integer.toString(grpcPort.getAsInt()) : "off") + ", grpcMaxMessageBytes="
                + grpcMaxMessageBytes + "]";
    }
}
