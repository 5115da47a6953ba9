package io.inferno.internal;

import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.runtime.Device;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionLoaderTest {
    @TempDir
    Path repo;

    @Test
    void aModelWhoseSetupFailsAfterTheRuntimeLoadedItIsClosed() {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        try (ModelProbe probe = ModelProbe.open(repo)) {
            Runtimes runtimes = Runtimes.discovered(getClass().getClassLoader());
            ModelPackage pkg = new RepositoryScanner(runtimes.configParser()).scan(repo).find("m", 1).orElseThrow();
            VersionLoader loader = new VersionLoader(
                    new ModelLoader(runtimes, new RuntimeOptions(Device.CPU, OptionalInt.empty(), OptionalInt.empty())),
                    (p, model) -> {
                        throw new IllegalStateException("no batcher today");
                    }, new EngineMetrics(new PrometheusRegistry(), EngineMetrics.DEFAULT_LATENCY_BUCKETS));

            assertThatThrownBy(() -> loader.load(pkg)).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("m:1 loaded but could not be set up to serve")
                    .hasMessageContaining("no batcher today");
            assertThat(probe.created("m:1")).isEqualTo(1);
            assertThat(probe.closed("m:1")).isEqualTo(1);
        }
    }
}
