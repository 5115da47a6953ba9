package io.inferno.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
        String python = pythonWithGrpcTools().orElse(null);
        Assumptions.assumeTrue(python != null, "skipped: no python3 with the grpc and grpc_tools modules"
                + " (apt-get install python3-grpcio python3-grpc-tools)");
        Path generated = Files.createDirectories(root.resolve("generated"));
        Result protoc = run(List.of(python, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR.toAbsolutePath(),
                "--python_out=" + generated, "--grpc_python_out=" + generated, "open_inference_grpc.proto"),
                Map.of(), root);
        assertThat(protoc.exit).as(protoc.output).isZero();

        Path repo = Files.createDirectories(root.resolve("repo"));
        try (GrpcHarness grpc = new GrpcHarness(GrpcHarness.javaModels(repo), 1 << 20)) {
            Result client = run(List.of(python, CLIENT.toAbsolutePath().toString(),
                    Integer.toString(grpc.server.port())), Map.of("PYTHONPATH", generated.toString()), root);
            assertThat(client.exit).as(client.output).isZero();
            assertThat(client.output).contains("PASS ServerLive", "PASS ServerReady", "PASS ServerMetadata",
                    "PASS ModelReady", "PASS ModelMetadata", "PASS ModelInfer typed", "PASS ModelInfer raw",
                    "PASS ModelInfer BYTES is INVALID_ARGUMENT", "ALL PASSED");
        }
    }

    /** Debian's interpreter first (its packages are what .ci/run installs), then whatever python3 is on PATH. */
    private static Optional<String> pythonWithGrpcTools() throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            candidates.add("/usr/bin/python3");
        }
        candidates.add("python3");
        for (String python : candidates) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import grpc, grpc_tools.protoc")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS) && p.exitValue() == 0) {
                    return Optional.of(python);
                }
                p.destroyForcibly();
            } catch (IOException notThere) {
                // next candidate
            }
        }
        return Optional.empty();
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, Map<String, String> env, Path dir) throws Exception {
        Path log = Files.createTempFile(dir, "python", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + Await.LIMIT + ": " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }
}
