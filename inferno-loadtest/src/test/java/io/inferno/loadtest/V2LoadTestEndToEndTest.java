package io.inferno.loadtest;

import static io.inferno.loadtest.LoadTestEndToEndTest.run;
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
import java.nio.charset.StandardCharsets;
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

/** {@code --protocol v2} and {@code v2-binary} against a real server on a loopback port: short, bounded runs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class V2LoadTestEndToEndTest {
    private InfernoServer server;
    private String host;

    @BeforeAll
    void start(@TempDir Path repo) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
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

    @ParameterizedTest
    @ValueSource(strings = {"v2", "v2-binary"})
    void measuresOverV2AndTheServerSeesTheTraffic(String protocol) throws Exception {
        LoadTestEndToEndTest.Result r = run("--host", host, "--protocol", protocol, "--model-name", "scale",
                "--model-version", "1", "-u", "2", "-t", "1s", "--warmup", "5", "--verify-response", "--json",
                "--headless");
        assertThat(r.status()).as(r.err() + r.out()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.get("ok").asLong()).isPositive();
        assertThat(report.get("failed").asLong()).isZero();
        assertThat(report.at("/server/batches").asDouble()).isPositive();
    }

    @Test
    void v2FailuresAreCountedByStatus() {
        LoadTestEndToEndTest.Result r = run("--host", host, "--protocol", "v2", "--model-name", "scale",
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
}
