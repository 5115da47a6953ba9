package io.inferno.loadtest;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.Inferno;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.http.InfernoServer;
import io.inferno.http.ServerSettings;
import io.inferno.testing.ScalingModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tool against a real server on a loopback port (native, and V2 over REST): short, bounded runs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadTestEndToEndTest {
    private InfernoServer server;
    private String host;

    @BeforeAll
    void start(@TempDir Path repo) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        writeYaml(repo.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
        ServerSettings settings = ServerSettings.fromEnvironment(Map.of("PORT", "0", "HOST", "127.0.0.1"));
        Inferno inferno = Inferno.builder().repository(repo).build();
        done(inferno.ready());
        server = InfernoServer.start(settings, inferno);
        host = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    void stop() {
        server.shutdown();
    }

    // ---- --protocol v2 and v2-binary

    @ParameterizedTest
    @ValueSource(strings = {"v2", "v2-binary"})
    void measuresOverV2AndTheServerSeesTheTraffic(String protocol) throws Exception {
        Result r = run("--host", host, "--protocol", protocol, "--model-name", "scale",
                "-u", "2", "-t", "1s", "--warmup", "5", "--verify-response", "--json",
                "--headless");
        assertThat(r.status()).as(r.err() + r.out()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.get("ok").asLong()).isPositive();
        assertThat(report.get("failed").asLong()).isZero();
        assertThat(report.at("/server/batches").asDouble()).isPositive();
    }

    @Test
    void v2FailuresAreCountedByStatus() {
        Result r = run("--host", host, "--protocol", "v2", "--model-name", "scale",
                "--model-version", "7", "-t", "0.3s", "--headless");
        assertThat(r.status()).isEqualTo(LoadTest.REQUESTS_FAILED);
        assertThat(r.out()).contains("404");
    }

    @Test
    void aBinaryBodyIsTheJsonHeaderThenTheRawTensors() throws Exception {
        JsonNode body = new ObjectMapper().readTree("{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 2],"
                + " \"data\": [[1, 2]]}}}");
        ModelInferRequest raw = GrpcTraffic.request(body, "m", OptionalLong.empty());
        V2Traffic.Body binary = V2Traffic.body(raw, true);
        int n = binary.headerLength().orElseThrow();
        assertThat(new String(binary.bytes(), 0, n, StandardCharsets.UTF_8)).isEqualTo("{\"inputs\":[{\"name\":\"x\","
                + "\"datatype\":\"FP32\",\"shape\":[1,2],\"parameters\":{\"binary_data_size\":8}}],"
                + "\"parameters\":{\"binary_data_output\":true}}");
        assertThat(Arrays.copyOfRange(binary.bytes(), n, binary.bytes().length))
                .isEqualTo(raw.getRawInputContents(0).toByteArray());
        assertThat(binary.headerLines()).isEqualTo("Inference-Header-Content-Length: " + n + "\r\n");
        V2Traffic.Body json = V2Traffic.body(raw, false);
        assertThat(json.headerLength()).isEmpty();
        assertThat(new String(json.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"inputs\":[{\"name\":\"x\","
                + "\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1.0,2.0]}]}");
    }

    record Result(int status, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadTest.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void measuresAGeneratedPayloadAndReportsTheServersSplit() throws Exception {
        Result r = run("--host", host, "--model-name", "scale", "-u", "4", "-t", "1s", "--warmup", "20",
                "--verify-response", "--json", "--headless");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.get("ok").asLong()).isPositive();
        assertThat(report.get("failed").asLong()).isZero();
        assertThat(report.at("/latency_ms/p50").asDouble()).isPositive();
        assertThat(report.at("/latency_ms/p99").asDouble()).isGreaterThanOrEqualTo(report.at("/latency_ms/p50")
                .asDouble());
        assertThat(report.at("/server/batches").asDouble()).isPositive();
        assertThat(report.at("/server/mean_batch_size").asDouble()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void loadsTheRequestedVersionFirstAndPinsToIt() {
        Result r = run("--host", host, "--model-name", "scale", "--model-version", "1", "--load-model", "-t", "1s",
                "--headless");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).contains("loaded scale version 1");
        assertThat(r.out()).contains("throughput").contains("latency ms").contains("server");
    }

    @Test
    void countsFailedRequestsByStatusAndExitsOne(@TempDir Path dir) throws Exception {
        Path body = Files.writeString(dir.resolve("bad.json"), "{\"inputs\": {}}");
        Result r = run("--host", host, "--model-name", "scale", "--payload-file", body.toString(), "-t", "1s",
                "--json");
        assertThat(r.status()).isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.at("/errors/by_status/422").asLong()).isPositive();
        assertThat(report.at("/errors/by_kind/4xx").asLong()).isPositive();
        assertThat(r.err()).contains("Missing required input(s): x");
    }

    @Test
    void anUnreachableServerIsASetupFailure() {
        Result r = run("--host", "http://127.0.0.1:1", "-t", "1s");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.err()).contains("cannot reach").contains("is the server running?");
    }

    @Test
    void aBadCommandLineIsAUsageError() {
        Result r = run("-u", "zero");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("-u must be a whole number").contains("--help");
        assertThat(run("--help").out()).startsWith("Usage: inferno-loadtest");
    }
}
