package io.inferno.grpc;

import static io.inferno.grpc.GrpcHarness.typedX;
import static io.inferno.grpc.GrpcInferenceTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.inferno.grpc.v2.InferParameter;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Queueing over gRPC, with the gated model (one batch of one request at a time, one more queued at most, each
 * prediction held at the probe's gate until the test releases it): a full queue, timeouts, deadlines and
 * cancellation, each seen by the client and in the queue.
 */
class GrpcQueueTest {
    private GrpcHarness grpc;
    private ModelProbe probe;
    private ModelProbe.Gate gate;

    @BeforeEach
    void start(@TempDir Path root) {
        probe = ModelProbe.open(root);
        grpc = new GrpcHarness(GrpcHarness.javaModels(root), 1 << 20);
        gate = probe.predictions("gated");
    }

    @AfterEach
    void stop() {
        probe.close();
        grpc.close();
    }

    /** Starts a request that runs and waits at the held gate. */
    private ListenableFuture<ModelInferResponse> holdOneRunning() throws Exception {
        gate.hold();
        ListenableFuture<ModelInferResponse> running = grpc.async().modelInfer(typedX("gated", 1).build());
        try {
            gate.awaitArrivals(1);
        } catch (AssertionError notThere) {
            if (running.isDone()) {
                answer(running); // says why it never reached the model
            }
            throw notThere;
        }
        return running;
    }

    @Test
    void aFullQueueIsResourceExhausted() throws Exception {
        ListenableFuture<ModelInferResponse> running = holdOneRunning();
        ListenableFuture<ModelInferResponse> queued = grpc.async().modelInfer(typedX("gated", 2).build());
        Await.until("one request queued behind the running one", () -> grpc.queueDepth("gated") == 1);
        assertStatus(() -> grpc.blocking().modelInfer(typedX("gated", 3).build()), Status.Code.RESOURCE_EXHAUSTED,
                "queue is full");
        gate.release();
        assertThat(answer(running).getModelVersion()).isEqualTo("1");
        assertThat(answer(queued).getModelVersion()).isEqualTo("1");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"timeout_ms, 50", "timeout, 50000"})
    void aTimeoutParameterEndsAQueuedRequestWithDeadlineExceeded(String parameter, long value) throws Exception {
        ListenableFuture<ModelInferResponse> running = holdOneRunning();
        assertStatus(() -> grpc.blocking().modelInfer(typedX("gated", 2)
                        .putParameters(parameter, InferParameter.newBuilder().setInt64Param(value).build()).build()),
                Status.Code.DEADLINE_EXCEEDED, "timed out after waiting");
        assertThat(grpc.queueDepth("gated")).isZero();
        gate.release();
        assertThat(answer(running).getModelVersion()).isEqualTo("1");
    }

    @Test
    void theCallsDeadlineBoundsTheRequestAndTakesItOutOfTheQueue() throws Exception {
        ListenableFuture<ModelInferResponse> running = holdOneRunning();
        assertStatus(() -> grpc.blocking().withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .modelInfer(typedX("gated", 2).build()), Status.Code.DEADLINE_EXCEEDED);
        Await.until("the expired request left the queue", () -> grpc.queueDepth("gated") == 0);
        // its slot is free again: one more request is queued, not refused
        ListenableFuture<ModelInferResponse> next = grpc.async().modelInfer(typedX("gated", 3).build());
        Await.until("the next request queued", () -> grpc.queueDepth("gated") == 1);
        gate.release();
        assertThat(answer(running).getModelVersion()).isEqualTo("1");
        assertThat(answer(next).getModelVersion()).isEqualTo("1");
    }

    @Test
    void aCancelledCallLeavesTheQueueAtOnce() throws Exception {
        ListenableFuture<ModelInferResponse> running = holdOneRunning();
        ListenableFuture<ModelInferResponse> cancelled = grpc.async().modelInfer(typedX("gated", 2).build());
        Await.until("one request queued", () -> grpc.queueDepth("gated") == 1);
        double before = grpc.requests("gated", "ModelInfer", "4xx");

        cancelled.cancel(true); // cancels the call: the server cancels the prediction

        Await.until("the cancelled request left the queue", () -> grpc.queueDepth("gated") == 0);
        Await.until("the cancelled call counted as 499",
                () -> grpc.requests("gated", "ModelInfer", "4xx") == before + 1);
        ListenableFuture<ModelInferResponse> next = grpc.async().modelInfer(typedX("gated", 3).build());
        Await.until("the next request queued in the freed slot", () -> grpc.queueDepth("gated") == 1);
        gate.release();
        assertThat(answer(running).getModelVersion()).isEqualTo("1");
        assertThat(answer(next).getOutputs(0).getContents().getFp32ContentsList()).containsExactly(3f, -3f);
    }

    private static ModelInferResponse answer(ListenableFuture<ModelInferResponse> call) throws Exception {
        try {
            return call.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw new AssertionError("call failed: " + s.getStatus(), s);
            }
            throw e;
        }
    }
}
