package io.inferno.grpc;

import static io.inferno.grpc.GrpcHarness.typedX;
import static io.inferno.grpc.GrpcInferenceTest.assertStatus;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graceful shutdown: not ready, new calls refused, the call in flight answered, then stopped. */
class GrpcShutdownTest {
    @Test
    void shutdownRefusesNewCallsAndAnswersTheOneInFlight(@TempDir Path root) throws Exception {
        try (ModelProbe probe = ModelProbe.open(root);
                GrpcHarness grpc = new GrpcHarness(GrpcHarness.javaModels(root), 1 << 20)) {
            ModelProbe.Gate gate = probe.predictions("gated");
            gate.hold();
            ListenableFuture<ModelInferResponse> inFlight = grpc.async().modelInfer(typedX("gated", 1).build());
            gate.awaitArrivals(1);
            assertThat(grpc.server.ready()).isTrue();

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(grpc.server::shutdown);
            Await.until("not ready", () -> !grpc.server.ready());
            assertStatus(() -> grpc.blocking().modelInfer(typedX("scale", 1).build()), Status.Code.UNAVAILABLE);
            assertThat(stopped).isNotDone();
            assertThat(inFlight).isNotDone();

            gate.release();
            assertThat(inFlight.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS).getModelName()).isEqualTo("gated");
            done(stopped);
        }
    }

    @Test
    void aRequestWhileTheEngineClosesIsUnavailable(@TempDir Path root) {
        try (GrpcHarness grpc = new GrpcHarness(GrpcHarness.javaModels(root), 1 << 20)) {
            grpc.inferno.close(); // the engine drains first in the standalone server; the gRPC server still listens
            assertStatus(() -> grpc.blocking().modelInfer(typedX("scale", 1).build()), Status.Code.UNAVAILABLE,
                    "shutting down");
        }
    }
}
