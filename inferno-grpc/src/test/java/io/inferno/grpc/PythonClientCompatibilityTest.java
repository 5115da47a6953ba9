package io.inferno.grpc;

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
 * A client that is not Inferno's code: Python stubs that Debian's {@code python3-grpc-tools} generates from
 * Inferno's .proto, over {@code python3-grpcio}, call every RPC of a live server (src/test/python). Skipped, saying
 * why, only where no python3 with grpc and grpc_tools exists ({@code .ci/run} installs both).
 */
class PythonClientCompatibilityTest {
    private static final Path PROTO_DIR = Path.of("src", "main", "proto");
    private static final Path CLIENT = Path.of("src", "test", "python", "open_inference_client.py");

    @Test
    void aGeneratedPythonClientCallsEveryRpc(@TempDir Path root) throws Exception {
        String python = Python.with("grpc, grpc_tools.protoc").orElse(null);
        Assumptions.assumeTrue(python != null, "skipped: no python3 with the grpc and grpc_tools modules"
                + " (apt-get install python3-grpcio python3-grpc-tools)");
        Path generated = Files.createDirectories(root.resolve("generated"));
        Python.Result protoc = Python.run(List.of(python, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR.toAbsolutePath(),
                "--python_out=" + generated, "--grpc_python_out=" + generated, "open_inference_grpc.proto"),
                Map.of(), root);
        assertThat(protoc.exit()).as(protoc.output()).isZero();

        Path repo = Files.createDirectories(root.resolve("repo"));
        try (GrpcHarness grpc = new GrpcHarness(GrpcHarness.javaModels(repo), 1 << 20)) {
            Python.Result client = Python.run(List.of(python, CLIENT.toAbsolutePath().toString(),
                    Integer.toString(grpc.server.port())), Map.of("PYTHONPATH", generated.toString()), root);
            assertThat(client.exit()).as(client.output()).isZero();
            assertThat(client.output()).contains("PASS ServerLive", "PASS ServerReady", "PASS ServerMetadata",
                    "PASS ModelReady", "PASS ModelMetadata", "PASS ModelInfer typed", "PASS ModelInfer raw",
                    "PASS ModelInfer BYTES is INVALID_ARGUMENT", "ALL PASSED");
        }
    }
}
