package io.inferno.http;

import static io.inferno.http.ServerHarness.xBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics after real traffic passes Prometheus's own linter, {@code promtool check metrics}. */
class MetricsLintTest {
    @TempDir
    Path root;

    private static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "promtool");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    @Test
    void theExpositionPassesPromtool() throws Exception {
        String promtool = promtool();
        if ("true".equals(System.getenv("CI"))) {
            assertThat(promtool).as("promtool must be installed in CI (.ci/run installs Debian's prometheus)")
                    .isNotNull();
        }
        assumeTrue(promtool != null, "promtool is not installed");
        try (ServerHarness http = new ServerHarness(ServerHarness.standardRepository(root), Map.of())) {
            http.post("/v1/models/scale:predict", xBody(1, 2));
            http.post("/v1/models/scale:predict", "{}");
            http.post("/v1/models/failing:predict", xBody(1));
            http.post("/v1/models/nope:predict", xBody(1));
            String metrics = http.get("/metrics").body();
            Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
            p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            assertThat(output).isBlank();
        }
    }
}
