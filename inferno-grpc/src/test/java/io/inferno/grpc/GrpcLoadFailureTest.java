package io.inferno.grpc;

import static io.inferno.grpc.GrpcHarness.typedX;
import static io.inferno.grpc.GrpcInferenceTest.assertStatus;
import static io.inferno.repository.TestRepository.writeYaml;

import io.grpc.Status;
import io.inferno.Inferno;
import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model whose version cannot load on first use is NOT_FOUND, as on the REST API, with the loader's reason. */
class GrpcLoadFailureTest {
    @Test
    void aModelThatCannotLoadOnFirstUseIsNotFoundWithTheReason(@TempDir Path root) {
        writeYaml(root.resolve("broken/1"), ScalingModel.yaml("broken", 1, "com.acme.Missing", 8, 16));
        try (GrpcHarness grpc = new GrpcHarness(Inferno.builder().repository(root).preload(false), 1 << 20)) {
            assertStatus(() -> grpc.blocking().modelInfer(typedX("broken", 1).build()),
                    Status.Code.NOT_FOUND, "no version of 'broken' could be loaded", "com.acme.Missing");
        }
    }
}
