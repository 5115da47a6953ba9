package io.inferno;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.Exposition;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embeddable facade end to end, on Java-entrypoint models (no native runtime needed). */
class InfernoTest {
    @TempDir
    Path repo;

    private final List<Inferno> opened = new ArrayList<>();
    private ModelProbe probe;

    @BeforeEach
    void openProbe() {
        probe = ModelProbe.open(repo);
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Inferno::close);
        probe.close();
    }

    private void model(String name, long version) {
        writeYaml(repo.resolve(name).resolve(Long.toString(version)), ScalingModel.yaml(name, version, 8));
    }

    private Inferno start(boolean preload) {
        Inferno inferno = Inferno.builder().repository(repo).preload(preload).build();
        opened.add(inferno);
        done(inferno.ready());
        return inferno;
    }

    private static PredictRequest request(String model, float... firstColumn) {
        float[] v = new float[firstColumn.length * 2];
        for (int i = 0; i < firstColumn.length; i++) {
            v[2 * i] = firstColumn[i];
            v[2 * i + 1] = -firstColumn[i];
        }
        return PredictRequest.of(model, Map.of("x", Tensor.ofFloats(Shape.of(firstColumn.length, 2), v)));
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return Await.failure(f);
    }

    @Test
    void predictsWithTheHighestVersionByDefault() {
        model("scale", 1);
        model("scale", 3);
        Inferno inferno = start(true);
        Prediction p = done(inferno.predict(request("scale", 1, 2)));
        assertThat(p.version()).isEqualTo(3);
        assertThat(p.output("y").toFloatArray()).containsExactly(3, -3, 6, -6);
        assertThat(p.outputs()).containsOnlyKeys("y", "x_copy");
        ModelStatus s = inferno.model("scale");
        assertThat(s.active()).hasValue(3);
        assertThat(s.loaded()).containsExactly(3L);
        assertThat(s.onDisk()).containsExactly(1L, 3L);
    }

    @Test
    void returnsOnlyTheRequestedOutputs() {
        model("scale", 1);
        Inferno inferno = start(true);
        Prediction p = done(inferno.predict(request("scale", 1).withOutputs(List.of("y"))));
        assertThat(p.outputs()).containsOnlyKeys("y");
    }

    @Test
    void rejectsInvalidInputsWithEveryProblem() {
        model("scale", 1);
        Inferno inferno = start(true);
        var bad = PredictRequest.of("scale", Map.of("z", Tensor.ofInts(Shape.of(1, 2), 1, 2)));
        assertThat(failure(inferno.predict(bad))).isInstanceOf(InvalidInputException.class)
                .hasMessage("Missing required input(s): x. Expected inputs: x; Unexpected input(s): z. "
                        + "Expected inputs: x");
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        model("scale", 1);
        Inferno inferno = start(true);
        assertThat(failure(inferno.predict(request("nope", 1)))).isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model not found or not loaded");
        assertThat(failure(inferno.predict(request("scale", 1).withVersion(7))))
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void withPreloadOffConcurrentFirstRequestsShareOneLoad() throws Exception {
        model("slowload", 1);
        Inferno inferno = start(false);
        assertThat(inferno.model("slowload").loaded()).isEmpty();
        ModelProbe.Gate load = probe.loads("slowload");
        load.hold(); // every request below arrives while the load is still running
        List<CompletableFuture<Prediction>> all = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            all.add(inferno.predict(request("slowload", i)));
        }
        load.awaitArrivals(1);
        load.release();
        all.forEach(f -> assertThat(done(f).version()).isEqualTo(1));
        assertThat(probe.created("slowload:1")).isEqualTo(1);
    }

    @Test
    void withStartOnBuildOffStartupLoadingWaitsForStart() throws Exception {
        model("later", 1);
        Inferno inferno = Inferno.builder().repository(repo).startOnBuild(false).build();
        opened.add(inferno);
        assertThat(inferno.ready()).isNotDone();
        assertThat(inferno.model("later").loaded()).isEmpty();
        ModelProbe.Gate load = probe.loads("later");
        load.hold();
        assertThat(inferno.start()).isSameAs(inferno);
        load.awaitArrivals(1); // start() began the preload
        inferno.start(); // a second call does nothing
        assertThat(inferno.ready()).isNotDone();
        load.release();
        done(inferno.ready());
        assertThat(inferno.model("later").loaded()).containsExactly(1L);
        assertThat(probe.created("later:1")).isEqualTo(1);
    }

    @Test
    void closingAnInstanceThatNeverStartedCompletesReady() {
        model("never", 1);
        Inferno inferno = Inferno.builder().repository(repo).startOnBuild(false).build();
        inferno.close();
        done(inferno.ready());
        inferno.start(); // closed: nothing starts
        assertThat(inferno.model("never").loaded()).isEmpty();
        assertThat(probe.created("never:1")).isZero();
    }

    @Test
    void describeLoadsLazilyAndReportsTheSignature() {
        model("lazy", 2);
        Inferno inferno = start(false);
        ModelDescription d = done(inferno.describe("lazy", OptionalLong.empty()));
        assertThat(d.version()).isEqualTo(2);
        assertThat(d.signature().inputNamesText()).isEqualTo("x");
        assertThat(inferno.model("lazy").loaded()).containsExactly(2L);
    }

    @Test
    void loadMakesAVersionActiveAndPinnedVersionsKeepWorking() {
        model("swap", 1);
        model("swap", 2);
        Inferno inferno = start(true);
        assertThat(done(inferno.predict(request("swap", 1))).version()).isEqualTo(2);
        done(inferno.load("swap", 1));
        assertThat(done(inferno.predict(request("swap", 1))).version()).isEqualTo(1);
        assertThat(done(inferno.predict(request("swap", 1).withVersion(2))).output("y").toFloatArray())
                .containsExactly(2, -2);
        assertThat(inferno.model("swap").loaded()).containsExactly(1L, 2L);
    }

    @Test
    void unloadingTheActiveVersionFallsBackThenLeavesNothing() {
        model("gone", 1);
        model("gone", 2);
        Inferno inferno = start(true);
        done(inferno.load("gone", 1));
        done(inferno.load("gone", 2));
        done(inferno.unload("gone", 2));
        assertThat(probe.closed("gone:2")).isEqualTo(1);
        assertThat(done(inferno.predict(request("gone", 1))).version()).isEqualTo(1);
        done(inferno.unload("gone", 1));
        assertThat(inferno.model("gone").active()).isEmpty();
        assertThat(failure(inferno.predict(request("gone", 1)))).isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model not found or not loaded");
        assertThat(failure(inferno.unload("gone", 1))).isInstanceOf(ModelNotFoundException.class);
        done(inferno.load("gone", 1));
        assertThat(done(inferno.predict(request("gone", 1))).version()).isEqualTo(1);
    }

    @Test
    void aBrokenNewestVersionFallsBackAndAFailedLoadKeepsThePreviousVersionServing() {
        model("fallback", 1);
        writeYaml(repo.resolve("fallback/2"), ScalingModel.yaml("fallback", 2, 8)
                .replace(ScalingModel.class.getName(), "com.acme.Missing"));
        Inferno inferno = start(true);
        ModelStatus s = inferno.model("fallback");
        assertThat(s.active()).hasValue(1);
        assertThat(s.failures()).singleElement().satisfies(f -> {
            assertThat(f.version()).hasValue(2);
            assertThat(f.reason()).contains("entrypoint class com.acme.Missing not found");
        });
        assertThat(failure(inferno.load("fallback", 2))).isInstanceOf(ModelLoadException.class);
        assertThat(done(inferno.predict(request("fallback", 1))).version()).isEqualTo(1);
    }

    @Test
    void aBrokenPackageIsListedWithItsReasonBesideTheGoodOnes() {
        model("good", 1);
        writeYaml(repo.resolve("bad/1"), "name: bad\nversion: 1\nformat: java\n");
        Inferno inferno = start(true);
        assertThat(inferno.models()).extracting(ModelStatus::name).containsExactly("bad", "good");
        ModelStatus bad = inferno.model("bad");
        assertThat(bad.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("signature"));
        assertThat(done(inferno.predict(request("good", 1))).version()).isEqualTo(1);
    }

    @Test
    void closingRefusesNewWorkAndFreesModels() {
        model("closing", 1);
        Inferno inferno = start(true);
        done(inferno.predict(request("closing", 1)));
        inferno.close();
        assertThat(probe.closed("closing:1")).isEqualTo(1);
        assertThat(failure(inferno.predict(request("closing", 1)))).isInstanceOf(OverloadedException.class);
    }

    @Test
    void exposesTheEngineMetrics() throws Exception {
        model("metered", 1);
        Inferno inferno = start(true);
        done(inferno.predict(request("metered", 1)));
        done(inferno.predict(request("nope", 1)).handle((p, t) -> null));
        String text = Exposition.text(inferno.metricsRegistry());
        assertThat(text).contains("infer_latency_seconds_count{model=\"metered\"} 1",
                "infer_batch_size_count{model=\"metered\"}", "infer_queue_seconds_count{model=\"metered\"}",
                "infer_compute_seconds_count{model=\"metered\"}", "model_loaded{model=\"metered\",version=\"1\"} 1",
                "infer_exceptions_total{exception=\"ModelNotFoundException\",model=\"_unknown\"} 1");
    }
}
