package io.inferno.http;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.inferno.Inferno;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * inferno-http's {@link ServerHarness} (a real server on a free loopback port) opened to inferno-client's tests,
 * with what they read of the server's package-private parts: its request counter and its {@link ErrorMapping}.
 */
public final class LoopbackServer implements AutoCloseable {
    private final ServerHarness harness;

    /** Starts a server on {@code repository} with these environment settings (PORT and REPO_ROOT are set). */
    public LoopbackServer(Path repository, Map<String, String> env) {
        harness = new ServerHarness(repository, env);
    }

    /**
     * inferno-http's standard test repository in {@code root}: Java models of every behaviour ({@code scale},
     * {@code failing}, {@code gated} with a queue of one, {@code broken}) and the real samples ({@code java},
     * {@code torchscript} 1 and 2, {@code multi_io}).
     */
    public static Path standardRepository(Path root) {
        return ServerHarness.standardRepository(root);
    }

    /** The server's base URI, {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return harness.uri("");
    }

    /** The engine behind the server, to compare remote answers with in-process ones. */
    public Inferno inferno() {
        return harness.inferno;
    }

    /** A gauge's value for {@code model} (0 when it has no series). */
    public double gauge(String name, String model) {
        return harness.gauge(name, model);
    }

    /** {@code infer_requests_total} of {@code model} with status class {@code statusClass} ("2xx" ... "5xx"). */
    public long requests(String model, String statusClass) {
        return (long) harness.inferno.metricsRegistry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("infer_requests"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> model.equals(d.getLabels().get("model"))
                        && statusClass.equals(d.getLabels().get("status")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    /** The status the server answers a failure with on the native API. */
    public static int status(Throwable failure) {
        return ErrorMapping.map(failure, "test").status();
    }

    /** The {@code detail} the server answers a failure with on the native API. */
    public static String detail(Throwable failure) {
        return ErrorMapping.map(failure, "test").detail();
    }

    /** The {@code problems} the server lists beside the detail (empty but for an invalid input). */
    public static java.util.List<String> problems(Throwable failure) {
        return ErrorMapping.map(failure, "test").problems();
    }

    /** Whether the server sends {@code Retry-After} with the answer to a failure. */
    public static boolean retryAfter(Throwable failure) {
        return ErrorMapping.map(failure, "test").retryAfter();
    }

    /** A failure the server reports with its own status (401, 403, 405, 415, ...), as its routes throw it. */
    public static RuntimeException problem(int status, String detail) {
        return new HttpProblem(status, detail);
    }

    @Override
    public void close() {
        harness.close();
    }
}
