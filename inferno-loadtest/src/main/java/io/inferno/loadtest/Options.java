package io.inferno.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line, parsed and checked: every problem is reported at once, naming the option and the value.
 *
 * @param host the server's base URL, without a trailing slash
 * @param users concurrent users, each one connection sending requests back to back
 * @param spawnRate users started per second (0: all at once)
 * @param runTime how long to measure
 * @param model the model's name
 * @param version a pinned version, or empty for the active one
 * @param loadModel load {@code version} through the admin API before any traffic
 * @param adminToken bearer token for the admin API, when the server wants one
 * @param warmup requests sent (and not measured) before the run
 * @param verifyResponse every response must carry at least one output tensor
 * @param payloadFile a JSON request body to send, instead of one generated from the signature
 * @param requestTimeout how long one request may take
 * @param batch rows per generated request
 * @param dims sizes for symbolic dimensions other than {@code batch} in generated payloads
 * @param headless no live progress line
 * @param json print the report as JSON
 * @param protocol how predictions travel: the native REST API, or the Open Inference Protocol over REST (JSON or
 *     binary tensor data) or gRPC
 * @param grpcPort the server's gRPC port (with {@code --protocol grpc}; the host is {@code host}'s)
 */
record Options(String host, int users, double spawnRate, Duration runTime, String model, OptionalLong version,
        boolean loadModel, Optional<String> adminToken, int warmup, boolean verifyResponse,
        Optional<Path> payloadFile, Duration requestTimeout, int batch, Map<String, Long> dims, boolean headless,
        boolean json, Protocol protocol, int grpcPort) {

    /** How predictions travel (setup, describe and /metrics always use the REST API). */
    enum Protocol {
        /** {@code POST /v1/models/{name}:predict} with a JSON body. */
        NATIVE,
        /** {@code inference.GRPCInferenceService/ModelInfer} with raw tensor contents. */
        GRPC,
        /** {@code POST /v2/models/{name}/infer} with JSON {@code data}, and JSON outputs. */
        V2,
        /** {@code POST /v2/models/{name}/infer} with binary tensor data, and binary outputs. */
        V2_BINARY
    }

    static final String USAGE = """
            Usage: inferno-loadtest [options]

            Sends predict requests to an Inferno server from concurrent users and reports throughput, latency
            percentiles, errors, and the server's own split of time between queue and compute.

              --host URL               server base URL, plain http (default http://localhost:8000)
              -u, --users N            concurrent users, each one connection (default 1)
              -r, --spawn-rate N       users started per second (default: all at once)
              -t, --run-time DURATION  how long to measure, e.g. 30s, 2m, 1h30m (default 30s)
              --model-name NAME        model to call (default torchscript)
              --model-version N        pin requests to version N (default: the active version)
              --load-model             load --model-version through the admin API before traffic
              --admin-token TOKEN      bearer token for --load-model (default: $ADMIN_TOKEN)
              --warmup N               requests sent before measuring (default 0)
              --verify-response        fail a request whose response carries no output tensor
              --payload-file FILE      JSON request body (default: generated from the model's signature)
              --batch N                rows per generated request (default 1)
              --dim NAME=N             size of a symbolic dimension in generated payloads (default 8 each)
              --request-timeout SEC    seconds one request may take (default 30)
              --headless               no live progress line (implied when stderr is not a terminal)
              --json                   print the report as JSON on stdout
              --protocol P             native (REST, JSON); v2 (Open Inference Protocol over REST, JSON data);
                                       v2-binary (the same with binary tensor data both ways); or grpc (Open
                                       Inference Protocol, raw tensors; setup and /metrics still use --host)
                                       (default native)
              --grpc-port N            the server's gRPC port, on --host's host (default 8001)
              -h, --help               this help

            Exit status: 0 all requests succeeded; 1 some requests failed; 2 bad command line;
            3 the server could not be reached or the setup (describe, load, payload) failed.
            """;

    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+(?:\\.\\d+)?)s?)?");

    /** Thrown for a bad command line; the message lists every problem. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Parses the arguments; returns empty when help was asked for. */
    static Optional<Options> parse(String[] args, Map<String, String> env) throws UsageException {
        String host = "http://localhost:8000";
        int users = 1;
        double spawnRate = 0;
        Duration runTime = Duration.ofSeconds(30);
        String model = "torchscript";
        OptionalLong version = OptionalLong.empty();
        boolean loadModel = false;
        Optional<String> token = Optional.ofNullable(env.get("ADMIN_TOKEN")).filter(t -> !t.isBlank());
        int warmup = 0;
        boolean verify = false;
        Optional<Path> payload = Optional.empty();
        Duration timeout = Duration.ofSeconds(30);
        int batch = 1;
        Map<String, Long> dims = new LinkedHashMap<>();
        boolean headless = false;
        boolean json = false;
        Protocol protocol = Protocol.NATIVE;
        int grpcPort = 8001;
        List<String> problems = new ArrayList<>();

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-h", "--help" -> {
                    return Optional.empty();
                }
                case "--load-model" -> loadModel = true;
                case "--verify-response" -> verify = true;
                case "--headless" -> headless = true;
                case "--json" -> json = true;
                case "--host", "-u", "--users", "-r", "--spawn-rate", "-t", "--run-time", "--model-name",
                        "--model-version", "--admin-token", "--warmup", "--payload-file", "--request-timeout",
                        "--batch", "--dim", "--protocol", "--grpc-port" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            problems.add(arg + " needs a value");
                            continue;
                        }
                        value = args[++i];
                    }
                    switch (arg) {
                        case "--host" -> host = parseHost(value, problems);
                        case "-u", "--users" -> users = (int) positive(arg, value, problems, 10_000);
                        case "-r", "--spawn-rate" -> spawnRate = positiveDouble(arg, value, problems);
                        case "-t", "--run-time" -> runTime = duration(arg, value, problems);
                        case "--model-name" -> model = nonBlank(arg, value, problems);
                        case "--model-version" -> version = OptionalLong.of(positive(arg, value, problems,
                                Long.MAX_VALUE));
                        case "--admin-token" -> token = Optional.of(value);
                        case "--warmup" -> warmup = (int) nonNegative(arg, value, problems);
                        case "--payload-file" -> payload = Optional.of(Path.of(value));
                        case "--request-timeout" -> timeout = Duration.ofMillis(
                                Math.round(positiveDouble(arg, value, problems) * 1000));
                        case "--batch" -> batch = (int) positive(arg, value, problems, 1_000_000);
                        case "--dim" -> dim(value, dims, problems);
                        case "--protocol" -> protocol = protocol(value, problems);
                        case "--grpc-port" -> grpcPort = (int) positive(arg, value, problems, 65535);
                        default -> throw new IllegalStateException(arg);
                    }
                }
                default -> problems.add("unknown option " + args[i]);
            }
        }
        if (loadModel && version.isEmpty()) {
            problems.add("--load-model needs --model-version");
        }
        if (!problems.isEmpty()) {
            throw new UsageException(String.join("\n", problems));
        }
        return Optional.of(new Options(host, users, spawnRate, runTime, model, version, loadModel, token, warmup,
                verify, payload, timeout, batch, Map.copyOf(dims), headless, json, protocol, grpcPort));
    }

    private static Protocol protocol(String value, List<String> problems) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "native":
                return Protocol.NATIVE;
            case "grpc":
                return Protocol.GRPC;
            case "v2":
                return Protocol.V2;
            case "v2-binary":
                return Protocol.V2_BINARY;
            default:
                problems.add("--protocol must be native, v2, v2-binary or grpc, got '" + value + "'");
                return Protocol.NATIVE;
        }
    }

    private static String parseHost(String value, List<String> problems) {
        String h = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        if (!h.startsWith("http://")) {
            // the load generator speaks plain HTTP/1.1 keep-alive, to measure the server rather than TLS
            problems.add("--host must be an http:// URL, got '" + value + "'");
        }
        return h;
    }

    private static long positive(String option, String value, List<String> problems, long max) {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(option + " must be a whole number from 1 to " + max + ", got '" + value + "'");
        return 1;
    }

    private static long nonNegative(String option, String value, List<String> problems) {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(option + " must be a whole number, got '" + value + "'");
        return 0;
    }

    private static double positiveDouble(String option, String value, List<String> problems) {
        try {
            double d = Double.parseDouble(value.trim());
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(option + " must be a positive number, got '" + value + "'");
        return 1;
    }

    private static String nonBlank(String option, String value, List<String> problems) {
        if (value.isBlank()) {
            problems.add(option + " must not be empty");
        }
        return value;
    }

    /** {@code 30s}, {@code 2m}, {@code 1h30m}, {@code 90} (seconds). */
    static Duration duration(String option, String value, List<String> problems) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!value.isBlank() && m.matches()) {
            double seconds = (m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600)
                    + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60)
                    + (m.group(3) == null ? 0 : Double.parseDouble(m.group(3)));
            if (seconds > 0) {
                return Duration.ofMillis(Math.round(seconds * 1000));
            }
        }
        problems.add(option + " must be a duration such as 30s, 2m or 1h30m, got '" + value + "'");
        return Duration.ofSeconds(1);
    }

    private static void dim(String value, Map<String, Long> dims, List<String> problems) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            problems.add("--dim must be NAME=N, got '" + value + "'");
            return;
        }
        dims.put(value.substring(0, eq), positive("--dim " + value.substring(0, eq), value.substring(eq + 1),
                problems, 1_000_000));
    }
}
