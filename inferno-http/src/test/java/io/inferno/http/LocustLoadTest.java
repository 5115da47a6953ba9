package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Await;
import io.inferno.testing.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Locust file users load-test with (scripts/load_test.py, docs/performance.md), run as they run it — Debian's
 * {@code locust} command, headless, a few seconds — against a live server: setup (describe, load, warmup) passes,
 * requests flow, and none fails its checks. Skipped, saying why, where Locust is not installed ({@code .ci/run}
 * installs {@code python3-locust}).
 */
class LocustLoadTest {
    private static final Path LOCUSTFILE = Path.of("..", "scripts", "load_test.py");

    @TempDir
    Path root;

    private String locust;

    @BeforeEach
    void needsLocust() throws Exception {
        locust = locust().orElse(null);
        Assumptions.assumeTrue(locust != null, "skipped: no locust command (apt-get install python3-locust)");
    }

    /** A server over the sample {@code torchscript} model's versions. */
    private ServerHarness serve(String... versions) throws Exception {
        Path repo = Files.createDirectories(root.resolve("repo"));
        for (String v : versions) {
            ServerHarness.copy(Path.of("..", "models", "torchscript", v), repo.resolve("torchscript").resolve(v));
        }
        return new ServerHarness(repo, Map.of());
    }

    @Test
    void theLocustFileDrivesAServerWithoutAFailure() throws Exception {
        try (ServerHarness http = serve("1", "2")) {
            Path csv = root.resolve("run");
            List<String> command = new ArrayList<>(List.of(locust, "-f",
                    LOCUSTFILE.toAbsolutePath().normalize().toString(), "--headless", "-u", "4", "-r", "4", "-t", "3s",
                    "--host", "http://127.0.0.1:" + http.server.port(), "--only-summary", "--csv", csv.toString(),
                    "--model-name", "torchscript", "--model-version", "1", "--load-model", "--warmup", "5",
                    "--verify-response", "--request-timeout", "10"));
            Python.Result run = Python.run(command, Map.of(), root);

            assertThat(run.exit()).as(run.output()).isZero();
            String aggregated = Files.readAllLines(root.resolve("run_stats.csv")).stream()
                    .filter(line -> line.contains(",Aggregated,")).findFirst().orElseThrow();
            String[] columns = aggregated.split(",");
            long requests = Long.parseLong(columns[2]);
            long failures = Long.parseLong(columns[3]);
            assertThat(requests).as(run.output()).isGreaterThan(10);
            assertThat(failures).as(run.output()).isZero();
            assertThat(run.output()).contains("POST     /v1/models/torchscript/versions/1:predict");
            // --load-model made version 1 active
            assertThat(ServerHarness.json(http.get("/v1/models/torchscript/active")).get("version").asLong())
                    .isEqualTo(1);
        }
    }

    @Test
    void aSetupFailureStopsTheRunAndSaysWhy() throws Exception {
        try (ServerHarness http = serve("2")) {
            Python.Result run = Python.run(List.of(locust, "-f",
                    LOCUSTFILE.toAbsolutePath().normalize().toString(), "--headless", "-u", "1", "-t", "3s",
                    "--host", "http://127.0.0.1:" + http.server.port(), "--model-name", "nope"), Map.of(), root);
            assertThat(run.exit()).as(run.output()).isEqualTo(1);
            assertThat(run.output()).contains("load_test.py: setup failed: describing nope answered 404: "
                    + "{'detail': 'model not found or not loaded'}");
        }
    }

    /** The {@code locust} command: Debian's, else one on PATH. */
    private static Optional<String> locust() throws Exception {
        for (String candidate : List.of("/usr/bin/locust", "locust")) {
            try {
                Process p = new ProcessBuilder(candidate, "--version").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS) && p.exitValue() == 0) {
                    return Optional.of(candidate);
                }
                p.destroyForcibly();
            } catch (java.io.IOException notThere) {
                // next candidate
            }
        }
        return Optional.empty();
    }
}
