package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory requests in flight may hold, as a whole (issue 11): bodies, decoded inputs and outputs count against
 * {@code MAX_INFLIGHT_BYTES}; past it requests get 503 with {@code Retry-After}, and all of it is released when
 * the exchanges end.
 */
class MemoryBudgetTest {
    private static final int MAX_BODY = 65536;
    /** A request of this many rows: an x float32 [rows, 2] tensor of 40000 bytes from a body of about 55000. */
    private static final int ROWS = 5000;

    @TempDir
    Path repo;

    private ModelProbe probe;
    private ServerHarness http;

    @AfterEach
    void stop() {
        if (probe != null) {
            probe.close();
        }
        if (http != null) {
            http.close();
        }
    }

    private static String rows(int n) {
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        return ServerHarness.xBody(ones);
    }

    private double inflightBytes() {
        return http.gauge("http_inflight_bytes");
    }

    /** Starts the server on a gated model: one request runs (held at the gate while held), one waits in its queue. */
    private ModelProbe.Gate startGated(Map<String, String> env) {
        writeYaml(repo.resolve("gated/1"), TestModels.yaml("gated", 1, TestModels.Gated.class.getName(), 8, 1));
        probe = ModelProbe.open(repo);
        http = new ServerHarness(repo, env);
        return probe.predictions("gated");
    }

    @Test
    void requestsHeldInAModelFillTheBudgetTheNextIsRefusedAndEverythingIsReleasedAfter() throws Exception {
        String body = rows(ROWS);
        long held = body.length() + ROWS * 2 * 4; // each request holds its body and its tensor
        long budget = 2 * held + body.length() / 2; // room for two such requests, not three
        ModelProbe.Gate gate = startGated(Map.of("MAX_REQUEST_BYTES", Integer.toString(MAX_BODY),
                "MAX_INFLIGHT_BYTES", Long.toString(budget)));
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            assertThat(inflightBytes()).isZero();
            gate.hold();
            var running = CompletableFuture.supplyAsync(() -> http.post("/v1/models/gated:predict", body), callers);
            gate.awaitArrivals(1);
            var queued = CompletableFuture.supplyAsync(() -> http.post("/v1/models/gated:predict", body), callers);
            Await.until("one request queued behind the running one", () -> http.gauge("infer_queue_depth", "gated") == 1);
            assertThat(inflightBytes()).isEqualTo(2 * held);

            HttpResponse<String> refused = http.post("/v1/models/gated:predict", body);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("Connection")).hasValue("close"); // refused before it was read
            assertThat(json(refused).get("detail").asText()).contains("MAX_INFLIGHT_BYTES").contains("retry later");
            assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
            assertThat(http.get("/metrics").body()).contains("http_inflight_bytes " + (double) (2 * held));

            gate.release();
            assertThat(done(running).statusCode()).isEqualTo(200);
            assertThat(done(queued).statusCode()).isEqualTo(200);
            Await.until("every exchange released its bytes", () -> inflightBytes() == 0);
            assertThat(http.post("/v1/models/gated:predict", body).statusCode()).isEqualTo(200);
            Await.until("the last exchange released its bytes", () -> inflightBytes() == 0);
        } finally {
            gate.release();
            callers.shutdown();
        }
    }

    @Test
    void aRefusalBeforeTheBodyIsReadClosesTheConnectionCleanly() throws Exception {
        String body = rows(ROWS);
        long held = body.length() + ROWS * 2 * 4;
        ModelProbe.Gate gate = startGated(Map.of("MAX_REQUEST_BYTES", Integer.toString(MAX_BODY),
                "MAX_INFLIGHT_BYTES", Long.toString(held + body.length() / 2))); // room for one
        ExecutorService callers = Executors.newFixedThreadPool(1);
        try (RawHttp keepAlive = new RawHttp(http.server.port())) {
            gate.hold();
            var running = CompletableFuture.supplyAsync(() -> http.post("/v1/models/gated:predict", body), callers);
            gate.awaitArrivals(1);
            RawHttp.Response refused = keepAlive.send(RawHttp.post("/v1/models/gated:predict", body)).read();
            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.header("Connection")).hasValue("close");
            assertThat(keepAlive.awaitClose()).isEqualTo("closed"); // its body was drained first: no reset
            gate.release();
            assertThat(done(running).statusCode()).isEqualTo(200);
        } finally {
            gate.release();
            callers.shutdown();
        }
    }

    @Test
    void aClientThatLeavesWhileItsRequestIsInTheModelReleasesItsBytes() throws Exception {
        ModelProbe.Gate gate = startGated(Map.of("MAX_REQUEST_BYTES", Integer.toString(MAX_BODY)));
        gate.hold();
        try (RawHttp leaving = new RawHttp(http.server.port())) {
            leaving.send(RawHttp.post("/v1/models/gated:predict", rows(ROWS)));
            gate.awaitArrivals(1);
            assertThat(inflightBytes()).isPositive();
        }
        gate.release();
        Await.until("the abandoned exchange released its bytes", () -> inflightBytes() == 0);
    }

    @Test
    void decodedInputsCountAgainstTheBudget() throws Exception {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 1000));
        // "[1,1]," is 6 bytes of body per row and 8 bytes of float32 tensor: the inputs outweigh the body
        int limit = 8192;
        http = new ServerHarness(repo, Map.of("MAX_REQUEST_BYTES", Integer.toString(limit),
                "MAX_INFLIGHT_BYTES", Integer.toString(limit)));
        String big = inputs(1000);
        assertThat(big.length()).isLessThan(limit);
        assertThat(big.length() + 1000 * 8).isGreaterThan(limit);
        HttpResponse<String> refused = http.post("/v1/models/scale:predict", big);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("Connection")).isEmpty(); // read whole: the connection stays
        HttpResponse<String> accepted = http.post("/v1/models/scale:predict", inputs(300));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        Await.until("every exchange released its bytes", () -> inflightBytes() == 0);
    }

    @Test
    void v2InputsCountTheSameAndARefusalIsTheProtocolsErrorBody() throws Exception {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 1000));
        int limit = 8192;
        http = new ServerHarness(repo, Map.of("MAX_REQUEST_BYTES", Integer.toString(limit),
                "MAX_INFLIGHT_BYTES", Integer.toString(limit)));
        // flat data, "1,1," is 4 bytes of body per row and 8 bytes of float32 tensor
        HttpResponse<String> refused = http.post("/v2/models/scale/infer", v2Inputs(1000));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(json(refused).get("error").asText()).contains("MAX_INFLIGHT_BYTES");
        HttpResponse<String> accepted = http.post("/v2/models/scale/infer", v2Inputs(300));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        Await.until("every exchange released its bytes", () -> inflightBytes() == 0);
    }

    private static String v2Inputs(int rows) {
        return "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [" + rows
                + ", 2], \"data\": [" + "1,1,".repeat(rows - 1) + "1,1]}]}";
    }

    private static String inputs(int rows) {
        return "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [" + rows + ", 2], \"data\": ["
                + "[1,1],".repeat(rows - 1) + "[1,1]]}}}";
    }
}
