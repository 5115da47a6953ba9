package io.inferno.http;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.Inferno;
import io.inferno.testing.ScalingModel;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** A real server on a free loopback port over a temporary repository, and a client for it. */
final class ServerHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path repo;
    final InfernoServer server;
    final Inferno inferno;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    ServerHarness(Path repo, Map<String, String> env) {
        this.repo = repo;
        Map<String, String> all = new HashMap<>(env);
        all.put("PORT", "0");
        all.put("HOST", "127.0.0.1");
        all.put("REPO_ROOT", repo.toString());
        ServerSettings settings = ServerSettings.fromEnvironment(all);
        inferno = Main.inferno(settings);
        done(inferno.ready());
        server = InfernoServer.start(settings, inferno);
    }

    /** The standard test repository: Java models of every behaviour plus the real samples. */
    static Path standardRepository(Path root) {
        writeYaml(root.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        writeYaml(root.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
        writeYaml(root.resolve("failing/1"),
                TestModels.yaml("failing", 1, TestModels.Failing.class.getName(), 16, 8));
        writeYaml(root.resolve("gated/1"), TestModels.yaml("gated", 1, TestModels.Gated.class.getName(), 1, 1));
        writeYaml(root.resolve("broken/1"), TestModels.yaml("broken", 1, "com.acme.Missing", 16, 8));
        for (String sample : new String[] {"java/1", "torchscript/1", "torchscript/2", "multi_io/1"}) {
            copy(Path.of("..", "models").resolve(sample), root.resolve(sample));
        }
        return root;
    }

    static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    /** POSTs a body as {@code application/json}, unless the headers name another {@code Content-Type}. */
    HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (!typed) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        return send(client, request);
    }

    /** Sends a request with {@code client} and reads the answer as text. */
    static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A gauge's value now, read from the registry: its series for {@code model}, or 0 when it has none. */
    double gauge(String name, String model) {
        return inferno.metricsRegistry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
                .filter(d -> model.isEmpty() || model.equals(d.getLabels().get("model")))
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst().orElse(0);
    }

    /** A gauge without labels, read from the registry. */
    double gauge(String name) {
        return gauge(name, "");
    }

    static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** A predict body for the x float32 [rows, 2] models. */
    static String xBody(float... firstColumn) {
        StringBuilder data = new StringBuilder("[");
        for (int i = 0; i < firstColumn.length; i++) {
            data.append(i == 0 ? "" : ",").append('[').append(firstColumn[i]).append(',').append(-firstColumn[i])
                    .append(']');
        }
        return "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [" + firstColumn.length + ", 2], \"data\": "
                + data + "]}}}";
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
