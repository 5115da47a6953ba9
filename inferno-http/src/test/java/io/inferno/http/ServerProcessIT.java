package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.repository.TestRepository;
import io.inferno.runtime.JarCompiler;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone jar as an operator runs it: {@code java -jar inferno-server.jar}, configured by environment,
 * stopped with SIGTERM while a request is in flight.
 */
class ServerProcessIT {
    @TempDir
    Path repo;

    private static final String SLOW = """
            package com.acme;
            import io.inferno.runtime.Model;
            import io.inferno.tensor.Tensor;
            import java.util.Map;
            public class Slow implements Model {
                @Override
                public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws InterruptedException {
                    if (inputs.get("x").toFloatArray()[0] != 0f) {
                        Thread.sleep(1500);
                    }
                    return Map.of("y", inputs.get("x"));
                }
            }
            """;

    @Test
    void sigtermDrainsTheInFlightRequestThenExits() throws Exception {
        JarCompiler.compile(repo.resolve("slow/1/slow.jar"), Map.of("com.acme.Slow", SLOW));
        TestRepository.writeYaml(repo.resolve("slow/1"), TestModels.yaml("slow", 1, "com.acme.Slow", 8, 1));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = repo.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "inferno-server.jar").toAbsolutePath().toString());
        pb.environment().put("REPO_ROOT", repo.toString());
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().put("HOST", "127.0.0.1");
        pb.environment().put("ACCESS_LOG", "true");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
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
            Thread.sleep(400);
            server.destroy(); // SIGTERM
            Thread.sleep(300);
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            HttpResponse<String> answered = inFlight.get(10, TimeUnit.SECONDS);
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

    private static void awaitReady(HttpClient client, URI base, Process server, Path log) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            if (!server.isAlive()) {
                throw new AssertionError("server exited: " + Files.readString(log));
            }
            try {
                if (client.send(HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("server not ready in 60 s: " + Files.readString(log));
    }
}
