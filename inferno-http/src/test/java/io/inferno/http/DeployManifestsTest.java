package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests in deploy/kubernetes and the Dockerfile agree with the server: the ports it listens on,
 * the routes it registers, the environment variables it reads and the time its shutdown may take.
 */
class DeployManifestsTest {
    static final Path ROOT = Path.of("..");
    static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * Variables the manifests may set that are not server settings: read by libtorch (OpenMP), not by
     * {@link ServerSettings}.
     */
    private static final Set<String> RUNTIME_VARIABLES = Set.of("OMP_NUM_THREADS");

    private final List<JsonNode> manifests = manifests();
    private final JsonNode deployment = only("Deployment", "inferno");
    private final JsonNode pod = deployment.at("/spec/template/spec");
    private final JsonNode container = container(pod, "inferno");

    @Test
    void everyManifestParsesAndNamesItsKindAndName() {
        assertThat(manifests).hasSizeGreaterThanOrEqualTo(6);
        for (JsonNode m : manifests) {
            assertThat(m.path("apiVersion").asText()).as(m.toString()).isNotEmpty();
            assertThat(m.path("kind").asText()).as(m.toString()).isNotEmpty();
            assertThat(m.at("/metadata/name").asText()).as(m.toString()).isNotEmpty();
        }
        assertThat(manifests).extracting(m -> m.path("kind").asText())
                .contains("Deployment", "Service", "PodDisruptionBudget", "StatefulSet", "PersistentVolumeClaim");
    }

    @Test
    void theEnvironmentIsMadeOfSettingsTheServerReadsAndIsValid() {
        Set<String> read = settingsTheServerReads();
        assertThat(read).as("names read by ServerSettings").contains("PORT", "GRPC_PORT", "REDIS_URL",
                "DRAIN_TIMEOUT_S", "ADMIN_TOKEN", "REPLICA_ID");
        Set<String> documented = settingsReadmeDocuments();
        for (String name : environment().keySet()) {
            if (RUNTIME_VARIABLES.contains(name)) {
                continue;
            }
            assertThat(read).as("%s is not a variable ServerSettings reads", name).contains(name);
            assertThat(documented).as("%s is not in README's settings table", name).contains(name);
        }
        settings(); // every value is accepted
    }

    @Test
    void containerPortsAreThePortsTheServerListensOn() {
        ServerSettings settings = settings();
        assertThat(containerPort("http")).isEqualTo(settings.port()).isEqualTo(8000);
        assertThat(containerPort("grpc")).isEqualTo(settings.grpcPort().orElseThrow()).isEqualTo(8001);
        assertThat(settings.repoRoot()).isEqualTo(Path.of("/models"));
        assertThat(container.path("volumeMounts")).anySatisfy(v -> {
            assertThat(v.path("mountPath").asText()).isEqualTo("/models");
            assertThat(v.path("readOnly").asBoolean()).isTrue();
        });
    }

    @Test
    void theServiceAndTheImageExposeTheSamePorts() throws IOException {
        JsonNode service = only("Service", "inferno");
        assertThat(service.at("/spec/selector")).isEqualTo(deployment.at("/spec/template/metadata/labels"));
        Map<String, String> targets = new HashMap<>();
        service.at("/spec/ports").forEach(p -> targets.put(p.path("name").asText(), p.path("targetPort").asText()));
        assertThat(targets).containsEntry("http", "http").containsEntry("grpc", "grpc");

        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^EXPOSE 8000 8001$")
                .containsPattern("REPO_ROOT=/models\\b").containsPattern("(?m)^USER 10001:10001$");
    }

    @Test
    void theImagesWarmUpWaitsForALineTheTorchRuntimeLogs() throws IOException {
        // the build step that extracts libtorch waits for this line; if it changed, the build would wait 300 s and fail
        assertThat(Files.readString(ROOT.resolve("Dockerfile"))).contains("grep -q 'libtorch .* started'");
        assertThat(source("inferno-torch/src/main/java/io/inferno/torch/TorchEngine.java"))
                .contains("log.info(\"libtorch {} started: ");
    }

    @Test
    void probesUseRoutesTheServerRegistersOnTheHttpPort() {
        Set<String> getRoutes = InfernoServer.ROUTES.stream().filter(r -> r.startsWith("GET "))
                .map(r -> r.substring(4)).collect(Collectors.toSet());
        Map<String, String> paths = new HashMap<>();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.at("/" + probe + "/httpGet");
            assertThat(get.isMissingNode()).as(probe).isFalse();
            assertThat(get.path("port").asText()).as(probe).isEqualTo("http");
            assertThat(getRoutes).as(probe).contains(get.path("path").asText());
            paths.put(probe, get.path("path").asText());
        }
        assertThat(paths).containsEntry("livenessProbe", "/health/live")
                .containsEntry("readinessProbe", "/health/ready");
    }

    @Test
    void theGracePeriodOutlastsThePreStopPauseAndTheDrain() {
        JsonNode command = container.at("/lifecycle/preStop/exec/command");
        assertThat(command.size()).isEqualTo(2);
        assertThat(command.get(0).asText()).isEqualTo("sleep");
        long preStop = Long.parseLong(command.get(1).asText());
        long drain = settings().drainTimeout().toSeconds();
        assertThat(preStop).isPositive();
        assertThat(pod.path("terminationGracePeriodSeconds").asLong()).isGreaterThan(preStop + drain);
    }

    @Test
    void threeNonRootReplicasWithAReadOnlyRootFilesystemAndABudget() {
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/resources/requests/memory").asText()).isNotEmpty();
        assertThat(container.at("/resources/limits/memory").asText()).isNotEmpty();
        JsonNode budget = only("PodDisruptionBudget", "inferno");
        assertThat(budget.at("/spec/selector/matchLabels")).isEqualTo(deployment.at("/spec/selector/matchLabels"));
    }

    @Test
    void redisUrlNamesTheRedisServiceAndPort() {
        URI redis = URI.create(environment().get("REDIS_URL"));
        JsonNode service = only("Service", redis.getHost());
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(redis.getPort());
        JsonNode redisPod = only("StatefulSet", redis.getHost()).at("/spec/template");
        assertThat(service.at("/spec/selector")).isEqualTo(redisPod.at("/metadata/labels"));
        assertThat(container(redisPod.path("spec"), "redis").at("/ports/0/containerPort").asInt())
                .isEqualTo(redis.getPort());
    }

    /** Every variable the manifests set on the server's container; values from a Secret or a field are stand-ins. */
    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            assertThat(env).as("%s is set twice", name).doesNotContainKey(name);
            env.put(name, e.has("value") ? e.path("value").asText() : "from-" + name.toLowerCase());
        }
        return env;
    }

    /** The settings the server would start with in the pod. */
    private ServerSettings settings() {
        return ServerSettings.fromEnvironment(environment());
    }

    private int containerPort(String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + name);
    }

    private JsonNode only(String kind, String name) {
        List<JsonNode> found = manifests.stream()
                .filter(m -> m.path("kind").asText().equals(kind) && m.at("/metadata/name").asText().equals(name))
                .toList();
        assertThat(found).as("%s %s", kind, name).hasSize(1);
        return found.get(0);
    }

    private static JsonNode container(JsonNode podSpec, String name) {
        for (JsonNode c : podSpec.path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container named " + name + " in " + podSpec);
    }

    /** Every document of every YAML file in deploy/kubernetes. */
    static List<JsonNode> manifests() {
        List<JsonNode> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile())) {
                    docs.readAll().stream().filter(d -> d != null && !d.isNull()).forEach(all::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** The variable names ServerSettings' source reads: {@code read("NAME"}, {@code get("NAME")} and the like. */
    static Set<String> settingsTheServerReads() {
        return names(source("inferno-http/src/main/java/io/inferno/http/ServerSettings.java"),
                "(?:read|get|getOrDefault|containsKey)\\(\"([A-Z][A-Z0-9_]*)\"");
    }

    /** The variables README's settings table lists. */
    static Set<String> settingsReadmeDocuments() {
        return names(source("README.md"), "(?m)^\\| `([A-Z][A-Z0-9_]*)` \\|");
    }

    private static Set<String> names(String text, String regex) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String source(String path) {
        try {
            return Files.readString(ROOT.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
