package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that is not Inferno's code: Python's {@code requests} (Debian's {@code python3-requests}) drives every
 * {@code /v2} endpoint of a live server, including a binary tensor data request built by hand from Triton's
 * extension document (src/test/python/open_inference_rest_client.py). Skipped, saying why, only where no python3
 * with requests exists ({@code .ci/run} installs it). The same approach as inferno-grpc's
 * {@code PythonClientCompatibilityTest}.
 */
class PythonRestClientCompatibilityTest {
    private static final Path CLIENT = Path.of("src", "test", "python", "open_inference_rest_client.py");

    @Test
    void pythonRequestsCallsEveryEndpointWithJsonAndBinaryTensors(@TempDir Path root) throws Exception {
        String python = Python.with("requests").orElse(null);
        Assumptions.assumeTrue(python != null, "skipped: no python3 with the requests module"
                + " (apt-get install python3-requests)");
        Path repo = Files.createDirectories(root.resolve("repo"));
        ServerHarness.copy(Path.of("..", "models", "torchscript", "1"), repo.resolve("torchscript/1"));
        try (ServerHarness http = new ServerHarness(repo, Map.of())) {
            Python.Result client = Python.run(List.of(python, CLIENT.toAbsolutePath().toString(),
                    Integer.toString(http.server.port())), Map.of(), root);
            assertThat(client.exit()).as(client.output()).isZero();
            assertThat(client.output()).contains("PASS live", "PASS ready", "PASS server metadata", "PASS model metadata",
                    "PASS model ready", "PASS infer json answer", "PASS infer binary answer",
                    "PASS binary equals json", "PASS invalid is 400 with error", "PASS unknown model is 404 with error",
                    "ALL PASSED");
        }
    }
}
