package io.inferno.http;

import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.repository.TestRepository;
import io.inferno.runtime.JarCompiler;
import io.inferno.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone jar as an operator runs it: {@code java -jar inferno-server.jar}, configured by environment,
 * stopped with SIGTERM while a request is in flight. The server is another process, so the test follows it through
 * what an operator sees (its log and its HTTP answers) and holds the in-flight request with a file the
 * model waits for.
 */
class ServerProcessIT {
    @TempDir
    Path repo;

    @TempDir
    Path logs; // beside the repository, which must hold models only

    static final String SLOW = """
            package com.acme;
            import io.inferno.runtime.Model;
            import io.inferno.runtime.ModelContext;
            import io.inferno.tensor.Tensor;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.Map;
            public class Slow implements Model {
                private final Path release;
                public Slow(ModelContext context) {
                    release = context.resolve("release");
                }
                /** Says it runs, then waits until the test creates the file "release" (the dry run does not). */
                @Override
                public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws Exception {
                    if (inputs.get("x").toFloatArray()[0] != 0f) {
                        System.out.println("slow: predicting");
                        System.out.flush();
                        long end = System.nanoTime() + 30_000_000_000L;
                        while (!Files.exists(release) && System.nanoTime() - end < 0) {
                            Thread.sleep(10); // another process: a file is the simplest signal it can see
                        }
                    }
                    return Map.of("y", inputs.get("x"));
                }
            }
            """;

    @Test
    void sigtermDrainsTheInFlightRequestThenExits() throws Exception {
        JarCompiler.compile(repo.resolve("slow/1/slow.jar"), Map.of("com.acme.Slow", SLOW));
        TestRepository.writeYaml(repo.resolve("slow/1"), TestModels.yaml("slow", 1, "com.acme.Slow", 8, 1));
        int port = freePort();
        Path log = repo.resolve("server.log");
        ProcessBuilder pb = serverJar(port, log);
        pb.environment().put("ACCESS_LOG", "true");
        Process server = pb.start();
        HttpClient client = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            awaitReady(client, base, server, log);
            String body = "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 2], \"data\": [[1, 2]]}}}";
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                    HttpRequest.newBuilder(base.resolve("/v1/models/slow:predict"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitLogLine(log, "slow: predicting"); // accepted and running
            server.destroy(); // SIGTERM
            awaitLogLine(log, "shutting down: draining accepted requests");
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(inFlight).isNotDone();
            Files.createFile(repo.resolve("slow/1/release")); // lets the in-flight prediction finish
            HttpResponse<String> answered = done(inFlight);
            assertThat(answered.statusCode()).as(Files.readString(log)).isEqualTo(200);
            assertThat(answered.body()).contains("\"version\":1");
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
            // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran
            assertThat(server.exitValue()).isEqualTo(143);
            String output = Files.readString(log);
            assertThat(output).contains("\"msg\":\"shutting down: draining accepted requests\"",
                    "\"msg\":\"stopped\"", "\"logger\":\"io.inferno.http.access\"", "\"route\":\"/v1/models/{name}:predict\"");
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void aPortInUseFailsStartupAtOnceBeforeAnyModelLoads() throws Exception {
        JarCompiler.compile(repo.resolve("slow/1/slow.jar"), Map.of("com.acme.Slow", SLOW));
        TestRepository.writeYaml(repo.resolve("slow/1"), TestModels.yaml("slow", 1, "com.acme.Slow", 8, 1));
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Path log = logs.resolve("server.log");
            Process server = serverJar(taken.getLocalPort(), log).start();
            try {
                assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(server.exitValue()).isEqualTo(1);
                String output = Files.readString(log);
                assertThat(output).contains("\"level\":\"ERROR\",\"logger\":\"io.inferno.http.Main\",\"msg\":\"cannot start: "
                        + "port " + taken.getLocalPort() + " on 127.0.0.1 is already in use (PORT); stop the process "
                        + "that holds it or choose another port\"}");
                assertThat(output).doesNotContain("loading model", "\"stack\"", "Javalin");
                assertThat(output.lines()).hasSize(2); // "starting with ..." and the error
            } finally {
                server.destroyForcibly();
            }
        }
    }

    /**
     * The first start of the jar as a new user runs it (no DJL variable set) over a TorchScript and an ONNX model:
     * nothing but Inferno's own lines, no warning about CUDA drivers on this CPU-only host, no DJL debug lines.
     */
    @Test
    void startupPrintsOnlyInfernosOwnLines() throws Exception {
        ServerHarness.copy(Path.of("..", "models", "torchscript", "2"), repo.resolve("torchscript/2"));
        ServerHarness.copy(Path.of("..", "models", "mlp_onnx", "1"), repo.resolve("mlp_onnx/1"));
        int port = freePort();
        Path log = logs.resolve("server.log");
        Process server = serverJar(port, log).start();
        try {
            awaitReady(HttpClient.newHttpClient(), URI.create("http://127.0.0.1:" + port), server, log);
            server.destroy();
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log);
            assertThat(output).contains("libtorch 2.7.1 started", "ONNX Runtime 1.21.1 started",
                    "loaded model torchscript version 2", "loaded model mlp_onnx version 1");
            assertThat(output.lines()).allSatisfy(line -> assertThat(line)
                    .startsWith("{\"ts\":")
                    .contains("\"logger\":\"io.inferno.")
                    .doesNotContain("\"level\":\"WARN\"", "\"level\":\"ERROR\"", "\"level\":\"DEBUG\""));
            assertThat(output).doesNotContainIgnoringCase("cuda driver").doesNotContain("telemetry");
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * {@code java -jar} of the server on {@code port} over {@code repo}, its output (both streams) to {@code log},
     * with an environment as a new user has it: none of the test JVM's DJL settings.
     */
    private ProcessBuilder serverJar(int port, Path log) {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "inferno-server.jar").toAbsolutePath().toString());
        pb.environment().keySet().removeIf(name -> name.startsWith("DJL_") || name.equals("OPT_OUT_TRACKING"));
        pb.environment().put("REPO_ROOT", repo.toString());
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().put("GRPC_PORT", "0"); // never the default 8001, which another process may hold
        pb.environment().put("HOST", "127.0.0.1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Polls /health/ready until it answers 200 (nothing else tells a test that another process listens). */
    private static void awaitReady(HttpClient client, URI base, Process server, Path log) throws Exception {
        Await.until("server ready", () -> {
            if (!server.isAlive()) {
                throw new AssertionError("server exited: " + read(log));
            }
            try {
                return client.send(HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException notYet) {
                return false; // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }

    /** Polls the server's log until a line contains {@code text}. */
    private static void awaitLogLine(Path log, String text) throws InterruptedException {
        Await.until("log line '" + text + "'", () -> read(log).contains(text));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
