package io.inferno.loadtest;

import static io.inferno.loadtest.LoadTestEndToEndTest.run;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.Inferno;
import io.inferno.grpc.GrpcServer;
import io.inferno.grpc.GrpcSettings;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.http.InfernoServer;
import io.inferno.http.ServerSettings;
import io.inferno.testing.ScalingModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code --protocol grpc} against a real REST and gRPC server on loopback ports: short, bounded runs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcLoadTestEndToEndTest {
    private InfernoServer server;
    private GrpcServer grpc;
    private String host;

    @BeforeAll
    void start(@TempDir Path repo) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        ServerSettings settings = ServerSettings.fromEnvironment(Map.of("PORT", "0", "HOST", "127.0.0.1"));
        Inferno inferno = Inferno.builder().repository(repo).build();
        done(inferno.ready());
        server = InfernoServer.start(settings, inferno);
        grpc = GrpcServer.start(new GrpcSettings("127.0.0.1", 0, 1 << 20, Duration.ofSeconds(5)), inferno);
        host = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    void stop() {
        grpc.shutdown();
        server.shutdown();
    }

    @Test
    void measuresOverGrpcAndTheServerSeesTheTraffic() throws Exception {
        LoadTestEndToEndTest.Result r = run("--host", host, "--protocol", "grpc", "--grpc-port", Integer.toString(grpc.port()),
                "--model-name", "scale", "-u", "2", "-t", "1s", "--warmup", "5", "--verify-response", "--json",
                "--headless");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.get("ok").asLong()).isPositive();
        assertThat(report.get("failed").asLong()).isZero();
        assertThat(report.at("/server/batches").asDouble()).isPositive();
    }

    @Test
    void grpcFailuresAreCountedByStatusCode() {
        LoadTestEndToEndTest.Result r = run("--host", host, "--protocol", "grpc", "--grpc-port", Integer.toString(grpc.port()),
                "--model-name", "scale", "--model-version", "7", "-t", "0.3s", "--headless");
        assertThat(r.status()).isEqualTo(LoadTest.REQUESTS_FAILED);
        assertThat(r.out()).contains("grpc NOT_FOUND");
    }

    @Test
    void aGeneratedPayloadBecomesRawContents() throws Exception {
        JsonNode body = new ObjectMapper().readTree("{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [2, 2],"
                + " \"data\": [[1, 2], [3, 4]]}, \"n\": {\"dtype\": \"int64\", \"shape\": [1], \"data\": [7]}}}");
        ModelInferRequest request = GrpcTraffic.request(body, "m", OptionalLong.of(3));
        assertThat(request.getModelVersion()).isEqualTo("3");
        assertThat(request.getInputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(request.getInputs(0).getShapeList()).containsExactly(2L, 2L);
        ByteBuffer x = request.getRawInputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {x.getFloat(), x.getFloat(), x.getFloat(), x.getFloat()})
                .containsExactly(1f, 2f, 3f, 4f);
        assertThat(request.getInputs(1).getDatatype()).isEqualTo("INT64");
        assertThat(request.getRawInputContents(1).size()).isEqualTo(8);
        assertThatThrownBy(() -> GrpcTraffic.request(new ObjectMapper().readTree("{\"inputs\": {\"x\": {\"dtype\":"
                + " \"float32\", \"shape\": [3], \"data\": [1]}}}"), "m", OptionalLong.empty()))
                .hasMessageContaining("fewer values than its shape holds");
    }

    @Test
    void theProtocolOptionIsCheckedWithTheOthers() {
        LoadTestEndToEndTest.Result r = run("--protocol", "http2", "--grpc-port", "70000");
        assertThat(r.status()).isEqualTo(LoadTest.USAGE_ERROR);
        assertThat(r.err()).contains("--protocol must be native, v2, v2-binary or grpc, got 'http2'",
                "--grpc-port must be a whole number from 1 to 65535, got '70000'");
    }
}
