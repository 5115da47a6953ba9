package io.inferno.client;

import static io.inferno.testing.Await.done;
import static io.inferno.testing.Await.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.InfernoException;
import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.ModelStatus;
import io.inferno.http.LoopbackServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Load and unload through the client, against a real server that requires an admin token. */
class AdminCallsTest {
    private LoopbackServer server;

    @BeforeEach
    void start(@TempDir Path root) {
        server = new LoopbackServer(LoopbackServer.standardRepository(root), Map.of("ADMIN_TOKEN", "s3cret"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void withTheTokenLoadMakesAVersionActiveAndUnloadFreesIt() {
        try (InfernoClient admin = InfernoClient.builder(server.uri()).adminToken("s3cret").build()) {
            done(admin.load("torchscript", 1));
            assertThat(status(admin, "torchscript").active()).hasValue(1);
            assertThat(status(admin, "torchscript").loaded()).contains(1L);

            done(admin.unload("torchscript", 1));
            assertThat(status(admin, "torchscript").loaded()).doesNotContain(1L);
            assertThat(server.inferno().model("torchscript").loaded()).doesNotContain(1L);
        }
    }

    @Test
    void withoutTheTokenOrWithAnotherAdminCallsAre401AndChangeNothing() {
        try (InfernoClient none = InfernoClient.builder(server.uri()).build();
                InfernoClient wrong = InfernoClient.builder(server.uri()).adminToken("guess").build()) {
            for (InfernoClient c : new InfernoClient[] {none, wrong}) {
                Throwable load = failure(c.load("torchscript", 1));
                Throwable unload = failure(c.unload("torchscript", 2));
                assertThat(load).isInstanceOf(InfernoHttpException.class);
                assertThat(((InfernoHttpException) load).status()).isEqualTo(401);
                assertThat(((InfernoHttpException) unload).status()).isEqualTo(401);
                assertThat(((InfernoException) load).requestId()).isPresent();
            }
            assertThat(server.inferno().model("torchscript").active()).hasValue(2);
            assertThat(server.inferno().model("torchscript").loaded()).containsExactly(2L);
            // the token guards admin calls only
            assertThat(done(none.describe("torchscript", OptionalLong.empty())).version()).isEqualTo(2);
        }
    }

    @Test
    void aVersionNotOnDiskIsNotFoundAndAnInvalidPackageIsALoadFailure() {
        try (InfernoClient admin = InfernoClient.builder(server.uri()).adminToken("s3cret").build()) {
            assertThat(failure(admin.load("torchscript", 9))).isInstanceOf(ModelNotFoundException.class);
            assertThat(failure(admin.unload("torchscript", 1))).isInstanceOf(ModelNotFoundException.class);
            assertThat(failure(admin.load("broken", 1))).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("com.acme.Missing");
        }
    }

    private static ModelStatus status(InfernoClient client, String name) {
        return done(client.models()).stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }
}
