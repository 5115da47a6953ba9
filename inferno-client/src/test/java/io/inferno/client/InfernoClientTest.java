package io.inferno.client;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static io.inferno.testing.Await.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.DeadlineExceededException;
import io.inferno.InfernoException;
import io.inferno.InvalidInputException;
import io.inferno.ModelDescription;
import io.inferno.ModelExecutionException;
import io.inferno.ModelNotFoundException;
import io.inferno.ModelService;
import io.inferno.OverloadedException;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.codec.Codec;
import io.inferno.http.LoopbackServer;
import io.inferno.http.TestModels;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.FakeTicker;
import io.inferno.testing.ManualScheduler;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.SampleModels;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The client against a real server on a loopback port, with the real TorchScript samples. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InfernoClientTest {
    /** A gated model for each test that holds a gate, so that no test sees another's arrivals. */
    private static final List<String> GATED = List.of("held_queue", "held_retry", "held_limit", "held_close");

    private LoopbackServer server;
    private ModelProbe probe;
    private InfernoClient client;

    @BeforeAll
    void start(@TempDir Path root) {
        probe = ModelProbe.open(root);
        LoopbackServer.standardRepository(root);
        for (String name : GATED) {
            // one batch of one request at a time, one request queued at most; predictions wait at the gate
            writeYaml(root.resolve(name + "/1"), TestModels.yaml(name, 1, TestModels.Gated.class.getName(), 1, 1));
        }
        server = new LoopbackServer(root, Map.of("MAX_REQUEST_BYTES", "65536"));
        // both versions of torchscript loaded, the newest active
        done(server.inferno().load("torchscript", 1));
        done(server.inferno().load("torchscript", 2));
        client = InfernoClient.builder(server.uri()).maxAttempts(1).build();
    }

    @AfterAll
    void stop() {
        client.close();
        probe.close();
        server.close();
    }

    static Stream<Arguments> samplesAndCodecs() {
        return Stream.of("java:1", "torchscript:1", "torchscript:2", "multi_io:1")
                .flatMap(v -> Stream.of(Arguments.of(v, Codec.JSON), Arguments.of(v, Codec.BASE64)));
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("samplesAndCodecs")
    void answersEverySampleExactlyAsTheEmbeddedEngineDoes(String id, Codec codec) {
        String name = id.substring(0, id.indexOf(':'));
        long version = Long.parseLong(id.substring(id.indexOf(':') + 1));
        ModelDescription d = done(server.inferno().describe(name, OptionalLong.of(version)));
        PredictRequest request = PredictRequest.builder(name).version(version)
                .inputs(SampleModels.inputs(d, new Random(version))).build();

        Reply<Prediction> remote = done(client.call(request, CallOptions.DEFAULTS.withCodec(codec)));

        assertThat(remote.value()).isEqualTo(done(server.inferno().predict(request)));
        assertThat(remote.attempts()).isEqualTo(1);
    }

    @Test
    void anUnpinnedRequestIsAnsweredByTheActiveVersionWithTheChosenOutputs() {
        Tensor x = Tensor.ofFloats(Shape.of(1, 4), 1, 2, 3, 4);
        PredictRequest request = PredictRequest.builder("multi_io")
                .input("tokens", Tensor.ofFloats(Shape.of(1, 2), 1, 2))
                .input("mask", Tensor.ofFloats(Shape.of(1, 2), 1, 0))
                .outputs(List.of("total")).timeout(Duration.ofSeconds(5)).build();

        Prediction p = done(client.predict(PredictRequest.of("torchscript", Map.of("x", x))));
        Prediction selected = done(client.predict(request));

        assertThat(p.version()).isEqualTo(2);
        assertThat(p).isEqualTo(done(server.inferno().predict(PredictRequest.of("torchscript", Map.of("x", x)))));
        assertThat(selected.outputs().keySet()).containsExactly("total");
        assertThat(selected).isEqualTo(done(server.inferno().predict(request)));
    }

    @Test
    void embeddedAndRemoteAreTheSameModelService() {
        PredictRequest request = PredictRequest.of("scale", Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 3, 4)));
        for (ModelService models : List.<ModelService>of(server.inferno(), client)) {
            assertThat(done(models.predict(request)).output("y").toFloatArray()).containsExactly(6, 8);
            assertThat(done(models.describe("scale", OptionalLong.empty())).version()).isEqualTo(2);
        }
    }

    @Test
    void describesAndListsModelsAsTheEngineSeesThem() {
        assertThat(done(client.describe("multi_io", OptionalLong.empty())))
                .isEqualTo(done(server.inferno().describe("multi_io", OptionalLong.empty())));
        assertThat(done(client.describe("torchscript", OptionalLong.of(2))))
                .isEqualTo(done(server.inferno().describe("torchscript", OptionalLong.of(2))));
        assertThat(done(client.models())).isEqualTo(server.inferno().models());
    }

    @Test
    void theRequestIdIsSentAndComesBackOnRepliesAndFailures() {
        PredictRequest good = PredictRequest.of("scale", Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 1)));
        PredictRequest bad = PredictRequest.of("scale", Map.of());

        Reply<Prediction> reply = done(client.call(good, CallOptions.DEFAULTS.withRequestId("order-1234")));
        Throwable failed = failure(client.call(bad, CallOptions.DEFAULTS.withRequestId("order-1235")));
        Reply<Prediction> generated = done(client.call(good, CallOptions.DEFAULTS));

        assertThat(reply.requestId()).isEqualTo("order-1234");
        assertThat(((InfernoException) failed).requestId()).hasValue("order-1235");
        assertThat(generated.requestId()).hasSize(36); // a UUID
        assertThatThrownBy(() -> CallOptions.DEFAULTS.withRequestId("has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'has space'");
    }

    @Test
    void anInvalidRequestFailsWithTheSameProblemsAsInProcess() {
        PredictRequest request = PredictRequest.builder("multi_io")
                .input("tokens", Tensor.ofLongs(Shape.of(1, 2), 1, 2)).input("extra", Tensor.ofFloats(Shape.of(1), 1))
                .outputs(List.of("nope")).build();

        Throwable remote = failure(client.predict(request));
        Throwable local = failure(server.inferno().predict(request));

        assertThat(remote).isInstanceOf(InvalidInputException.class).hasMessage(local.getMessage());
        assertThat(((InvalidInputException) remote).problems()).isEqualTo(((InvalidInputException) local).problems());
        assertThat(((InvalidInputException) remote).problems()).hasSizeGreaterThan(1);
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        Tensor x = Tensor.ofFloats(Shape.of(1, 2), 1, 1);
        assertThat(failure(client.predict(PredictRequest.of("nope", Map.of("x", x)))))
                .isInstanceOf(ModelNotFoundException.class).hasMessage(ModelNotFoundException.MESSAGE);
        assertThat(failure(client.predict(PredictRequest.builder("scale").input("x", x).version(9).build())))
                .isInstanceOf(ModelNotFoundException.class);
        assertThat(failure(client.describe("nope", OptionalLong.empty()))).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void aModelThatFailsIsAModelExecutionExceptionWithItsMessage() {
        long before = server.requests("failing", "5xx");
        Throwable t = failure(client.predict(PredictRequest.of("failing",
                Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 1)))));
        assertThat(t).isInstanceOf(ModelExecutionException.class).hasMessageContaining("weights not initialised");
        assertThat(((InfernoException) t).requestId()).isPresent();
        assertThat(server.requests("failing", "5xx") - before).as("a 500 is not retried").isEqualTo(1);
    }

    @Test
    void aBodyOverTheServersLimitIs413() {
        Tensor big = Tensor.ofFloats(Shape.of(10_000, 2), new float[20_000]); // 80 kB, MAX_REQUEST_BYTES 64 KiB
        Throwable t = failure(client.predict(PredictRequest.of("scale", Map.of("x", big))));
        assertThat(t).isInstanceOf(InfernoHttpException.class).hasMessageContaining("MAX_REQUEST_BYTES");
        assertThat(((InfernoHttpException) t).status()).isEqualTo(413);
    }

    @Test
    void aFullQueueIsOverloadedAndAnExpiredRequestIsDeadlineExceededAndAnUnansweredCallTimesOut()
            throws Exception {
        ModelProbe.Gate gate = probe.predictions("held_queue");
        gate.hold();
        try {
            CompletableFuture<Prediction> running = client.predict(held("held_queue"));
            gate.awaitArrivals(1);

            Throwable expired = failure(client.predict(held("held_queue").withTimeout(Duration.ofMillis(50))));
            // the server keeps the unanswered request queued until its own timeout_ms, far beyond the client's
            Throwable unanswered = failure(client.call(held("held_queue").withTimeout(Duration.ofSeconds(1)),
                    CallOptions.DEFAULTS.withTimeout(Duration.ofMillis(200))));
            Await.until("the unanswered request expired in the queue",
                    () -> server.gauge("infer_queue_depth", "held_queue") == 0);
            CompletableFuture<Prediction> queued = client.predict(held("held_queue"));
            Await.until("one request queued", () -> server.gauge("infer_queue_depth", "held_queue") == 1);
            long refusedBefore = server.requests("held_queue", "5xx");
            Throwable refused = failure(client.predict(held("held_queue")));

            assertThat(expired).isInstanceOf(DeadlineExceededException.class)
                    .hasMessageContaining("timed out after waiting");
            assertThat(unanswered).isInstanceOf(DeadlineExceededException.class)
                    .hasMessageContaining("within 200 ms").hasCauseInstanceOf(HttpTimeoutException.class);
            assertThat(((InfernoException) unanswered).requestId()).isPresent();
            assertThat(refused).isInstanceOf(OverloadedException.class).hasMessageContaining("queue is full");
            assertThat(((OverloadedException) refused).reason()).isEqualTo(OverloadedException.Reason.QUEUE_FULL);
            assertThat(server.requests("held_queue", "5xx") - refusedBefore).as("one attempt when maxAttempts is 1")
                    .isEqualTo(1);
            gate.release();
            assertThat(done(running).version()).isEqualTo(1);
            assertThat(done(queued).version()).isEqualTo(1);
        } finally {
            gate.release();
        }
    }

    @Test
    void a503WithRetryAfterIsRetriedAfterItsDelayUntilItSucceeds() throws Exception {
        ManualScheduler timer = new ManualScheduler(new FakeTicker());
        ModelProbe.Gate gate = probe.predictions("held_retry");
        try (InfernoClient retrying = InfernoClient.builder(server.uri()).scheduler(timer).build()) {
            List<CompletableFuture<Prediction>> held = fill(gate, "held_retry");
            long refusedBefore = server.requests("held_retry", "5xx");

            CompletableFuture<Reply<Prediction>> call = retrying.call(held("held_retry"), CallOptions.DEFAULTS);
            Await.until("the 503 answered and a retry scheduled", () -> timer.pending() == 1);
            gate.release();
            held.forEach(Await::done);
            timer.advance(999, TimeUnit.MILLISECONDS);
            assertThat(call).as("no retry before Retry-After (1 s)").isNotDone();
            timer.advance(1, TimeUnit.MILLISECONDS);

            Reply<Prediction> reply = done(call);
            assertThat(reply.attempts()).isEqualTo(2);
            assertThat(reply.value().output("y").toFloatArray()).containsExactly(1, -1);
            assertThat(server.requests("held_retry", "5xx") - refusedBefore).isEqualTo(1);
        } finally {
            gate.release();
        }
    }

    @Test
    void retriesStopAfterMaxAttemptsWithTheLast503sException() throws Exception {
        ManualScheduler timer = new ManualScheduler(new FakeTicker());
        ModelProbe.Gate gate = probe.predictions("held_limit");
        try (InfernoClient retrying = InfernoClient.builder(server.uri()).scheduler(timer).maxAttempts(3)
                .maxRetryDelay(Duration.ofMillis(1500)).build()) {
            List<CompletableFuture<Prediction>> held = fill(gate, "held_limit");
            long refusedBefore = server.requests("held_limit", "5xx");

            CompletableFuture<Reply<Prediction>> call = retrying.call(held("held_limit"),
                    CallOptions.DEFAULTS.withRequestId("r-1"));
            Await.until("first retry scheduled", () -> timer.pending() == 1);
            timer.advance(1, TimeUnit.SECONDS); // Retry-After: 1
            Await.until("second retry scheduled", () -> timer.pending() == 1
                    && server.requests("held_limit", "5xx") - refusedBefore == 2);
            timer.advance(1499, TimeUnit.MILLISECONDS);
            assertThat(timer.pending()).as("doubled to 2 s, capped at 1.5 s").isEqualTo(1);
            timer.advance(1, TimeUnit.MILLISECONDS);

            Throwable t = failure(call);
            assertThat(t).isInstanceOf(OverloadedException.class);
            assertThat(((InfernoException) t).requestId()).hasValue("r-1");
            assertThat(server.requests("held_limit", "5xx") - refusedBefore).isEqualTo(3);
            assertThat(timer.pending()).isZero();
            gate.release();
            held.forEach(Await::done);
        } finally {
            gate.release();
        }
    }

    @Test
    void closingTheClientFailsACallWaitingForARetryAtOnce() throws Exception {
        ManualScheduler timer = new ManualScheduler(new FakeTicker());
        ModelProbe.Gate gate = probe.predictions("held_close");
        try {
            List<CompletableFuture<Prediction>> held = fill(gate, "held_close");
            InfernoClient retrying = InfernoClient.builder(server.uri()).scheduler(timer).build();
            CompletableFuture<Reply<Prediction>> call = retrying.call(held("held_close"), CallOptions.DEFAULTS);
            Await.until("a retry scheduled", () -> timer.pending() == 1);

            retrying.close();

            assertThat(failure(call)).isInstanceOf(OverloadedException.class).hasMessageContaining("queue is full");
            assertThat(failure(retrying.predict(held("held_close")))).isInstanceOf(IllegalStateException.class);
            long refused = server.requests("held_close", "5xx");
            timer.advance(1, TimeUnit.MINUTES);
            assertThat(server.requests("held_close", "5xx")).as("no attempt after close").isEqualTo(refused);
            gate.release();
            held.forEach(Await::done);
        } finally {
            gate.release();
        }
    }

    @Test
    void no4xxIsRetried() {
        ManualScheduler timer = new ManualScheduler(new FakeTicker());
        try (InfernoClient retrying = InfernoClient.builder(server.uri()).scheduler(timer).maxAttempts(5).build()) {
            long before = server.requests("scale", "4xx");
            assertThat(failure(retrying.predict(PredictRequest.of("scale", Map.of()))))
                    .isInstanceOf(InvalidInputException.class);
            assertThat(failure(retrying.predict(PredictRequest.builder("scale").version(7).build())))
                    .isInstanceOf(ModelNotFoundException.class);
            assertThat(timer.pending()).isZero();
            assertThat(server.requests("scale", "4xx") - before).isEqualTo(2);
        }
    }

    @Test
    void aServerThatIsNotThereFailsWithTheConnectionError() {
        try (InfernoClient nowhere = InfernoClient.builder(java.net.URI.create("http://127.0.0.1:1")).build()) {
            assertThat(failure(nowhere.predict(PredictRequest.of("scale", Map.of()))))
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    @Test
    void theBuilderRefusesBadSettingsQuotingThem() {
        assertThatThrownBy(() -> InfernoClient.builder(java.net.URI.create("ftp://host/")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://host/");
        assertThatThrownBy(() -> InfernoClient.builder(server.uri()).timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> InfernoClient.builder(server.uri()).maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }

    /**
     * Holds a gated model's gate with one request at it and one queued behind (its queue holds one): the next
     * request is refused with 503. Returns the two, answered once the gate is released.
     */
    private List<CompletableFuture<Prediction>> fill(ModelProbe.Gate gate, String model) throws InterruptedException {
        gate.hold();
        CompletableFuture<Prediction> running = client.predict(held(model));
        gate.awaitArrivals(1);
        CompletableFuture<Prediction> queued = client.predict(held(model));
        Await.until("one request queued", () -> server.gauge("infer_queue_depth", model) == 1);
        return List.of(running, queued);
    }

    /** A request to a gated model: held at its gate while the test holds it. */
    private static PredictRequest held(String model) {
        return PredictRequest.of(model, Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, -1)));
    }
}
