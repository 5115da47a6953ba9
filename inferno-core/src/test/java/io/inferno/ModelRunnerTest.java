package io.inferno;

import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.inferno.runtime.TestModels;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.PickyModel;
import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link ModelRunner}: one version loaded, validated and run as the engine does, without an engine. */
class ModelRunnerTest {
    @TempDir
    Path repo;

    private Path scaling(String name, long version) {
        return writeYaml(repo.resolve(name).resolve(Long.toString(version)), ScalingModel.yaml(name, version, 8));
    }

    private Path picky(String name) {
        return writeYaml(repo.resolve(name).resolve("1"),
                ScalingModel.yaml(name, 1, PickyModel.class.getName(), 8, 16));
    }

    private static Tensor x(float... values) {
        return Tensor.ofFloats(Shape.of(values.length / 2, 2), values);
    }

    @Test
    void predictsWithTheVersionInADirectory() {
        try (ModelRunner runner = ModelRunner.open(scaling("scaled", 3))) {
            Prediction p = runner.predict(Map.of("x", x(1, 2, 3, 4)));

            assertThat(p.model()).isEqualTo("scaled");
            assertThat(p.version()).isEqualTo(3);
            assertThat(p.outputs().keySet()).containsExactly("y", "x_copy");
            assertThat(p.output("y").toFloatArray()).containsExactly(3, 6, 9, 12);
        }
    }

    @Test
    void opensAVersionOfARepositoryByNameAndVersion() {
        scaling("scaled", 1);
        scaling("scaled", 2);
        try (ModelRunner runner = ModelRunner.open(repo, "scaled", 2)) {
            assertThat(runner.version()).isEqualTo(2);
            assertThat(runner.signature().inputNamesText()).isEqualTo("x");
            assertThat(runner.predict(Map.of("x", x(1, 1))).output("y").toFloatArray()).containsExactly(2, 2);
        }
    }

    @Test
    void anUnknownVersionOfARepositoryIsNotFoundAndTheVersionsAreListed() {
        scaling("scaled", 1);
        scaling("scaled", 2);

        assertThatThrownBy(() -> ModelRunner.open(repo, "scaled", 7))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("has no version 7 of model 'scaled'; its versions: 1, 2");
    }

    @Test
    void aRefusedPackageOfARepositoryGivesTheScannersReason() {
        writeYaml(repo.resolve("bad/1"), "name: bad\nversion: 1\nformat: java\n");

        assertThatThrownBy(() -> ModelRunner.open(repo, "bad", 1))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.yaml")
                .hasMessageContaining("signature");
    }

    @Test
    void anInvalidModelYamlIsAConfigErrorListingEveryProblem() {
        Path dir = writeYaml(repo.resolve("bad/1"), "name: other\nversion: 1\nformat: java\nbatching: {nope: 1}\n");

        ModelConfigException e = catchThrowableOfType(() -> ModelRunner.open(dir), ModelConfigException.class);

        assertThat(e.file()).isEqualTo(dir.resolve("model.yaml"));
        assertThat(e.problems()).hasSizeGreaterThanOrEqualTo(3)
                .anySatisfy(p -> assertThat(p).startsWith("name:"))
                .anySatisfy(p -> assertThat(p).startsWith("batching.nope:"));
    }

    @Test
    void aDirectoryThatIsNotAVersionIsRefused() {
        Path dir = writeYaml(repo.resolve("scaled/latest"), ScalingModel.yaml("scaled", 1, 8));

        Path padded = writeYaml(repo.resolve("scaled/01"), ScalingModel.yaml("scaled", 1, 8));

        assertThatThrownBy(() -> ModelRunner.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'latest' is not a version number");
        assertThatThrownBy(() -> ModelRunner.open(padded)) // the server skips it
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'01' is not a version number");
    }

    @Test
    void aModelThatBreaksItsSignatureFailsToOpenAsItFailsToLoad() {
        Path dir = writeYaml(repo.resolve("wrong/1"), ScalingModel.yaml("wrong", 1,
                TestModels.Factories.class.getName() + "::wrongDtype", 8, 16));

        assertThatThrownBy(() -> ModelRunner.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("the model's outputs disagree with its signature in the dry run")
                .hasMessageContaining("output 'y' has dtype int32; model.yaml declares float32");
    }

    /** Bad requests, each sent to the engine and to a runner of the same version. */
    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("missing input", PredictRequest.of("picky", Map.of())),
                Arguments.of("unexpected input and wrong dtype", PredictRequest.of("picky",
                        Map.of("x", Tensor.ofInts(Shape.of(1, 2), 1, 2), "z", x(1, 2)))),
                Arguments.of("wrong fixed dimension", PredictRequest.of("picky",
                        Map.of("x", Tensor.ofFloats(Shape.of(1, 3), 1, 2, 3)))),
                Arguments.of("too many rows", PredictRequest.of("picky",
                        Map.of("x", Tensor.wrap(DType.FLOAT32, Shape.of(9, 2),
                                java.nio.ByteBuffer.allocate(72))))),
                Arguments.of("unknown output", PredictRequest.of("picky", Map.of("x", x(1, 2)))
                        .withOutputs(List.of("y", "nope"))),
                Arguments.of("model failure", PredictRequest.of("picky", Map.of("x", x(1, -2)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void failsWithTheEnginesExceptionAndMessage(String what, PredictRequest request) {
        picky("picky");
        Throwable engine;
        try (Inferno inferno = Inferno.builder().repository(repo).build()) {
            done(inferno.ready());
            engine = catchThrowableOfType(() -> inferno.predict(request).join(), CompletionException.class)
                    .getCause();
        }
        try (ModelRunner runner = ModelRunner.open(repo.resolve("picky/1"))) {
            Throwable own = catchThrowableOfType(() -> runner.predict(request), InfernoException.class);

            assertThat(own).isNotNull().hasSameClassAs(engine).hasMessage(engine.getMessage());
        }
    }

    @Test
    void aModelFailureIsAnExecutionErrorWithTheModelsMessage() {
        try (ModelRunner runner = ModelRunner.open(picky("picky"))) {
            assertThatThrownBy(() -> runner.predict(Map.of("x", x(0, -1))))
                    .isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model picky:1 failed: x holds a negative value: -1.0");
        }
    }

    @Test
    void returnsOnlyTheSelectedOutputs() {
        try (ModelRunner runner = ModelRunner.open(scaling("scaled", 2))) {
            Prediction p = runner.predict(PredictRequest.builder("scaled").version(2).input("x", x(1, 2))
                    .outputs(List.of("x_copy")).build());

            assertThat(p.outputs().keySet()).containsExactly("x_copy");
            assertThat(p.output("x_copy").toFloatArray()).containsExactly(1, 2);
        }
    }

    @Test
    void aRequestForAnotherModelOrVersionIsNotFound() {
        try (ModelRunner runner = ModelRunner.open(scaling("scaled", 2))) {
            assertThatThrownBy(() -> runner.predict(PredictRequest.of("other", Map.of("x", x(1, 2)))))
                    .isInstanceOf(ModelNotFoundException.class).hasMessageContaining("not other");
            assertThatThrownBy(() -> runner.predict(PredictRequest.of("scaled", Map.of("x", x(1, 2))).withVersion(1)))
                    .isInstanceOf(ModelNotFoundException.class).hasMessageContaining("not scaled:1");
        }
    }

    @Test
    void closeFreesTheModelOnceAndLaterPredictionsAreRefused() {
        Path dir = scaling("scaled", 1);
        try (ModelProbe probe = ModelProbe.open(repo)) {
            ModelRunner runner = ModelRunner.open(dir);
            assertThat(probe.created("scaled:1")).isEqualTo(1);
            assertThat(probe.closed("scaled:1")).isZero();

            runner.close();
            runner.close();

            assertThat(probe.closed("scaled:1")).isEqualTo(1);
            assertThatThrownBy(() -> runner.predict(Map.of("x", x(1, 2))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void closeWaitsForARunningPredictionBeforeFreeingTheModel() throws Exception {
        Path dir = scaling("held", 1);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try (ModelProbe probe = ModelProbe.open(repo)) {
            ModelRunner runner = ModelRunner.open(dir);
            ModelProbe.Gate predictions = probe.predictions("held");
            predictions.hold();
            CompletableFuture<Prediction> running = CompletableFuture.supplyAsync(
                    () -> runner.predict(Map.of("x", x(1, 2))), callers);
            predictions.awaitArrivals(1); // the model is running on the caller's thread

            CompletableFuture<Void> closing = CompletableFuture.runAsync(runner::close, callers);

            assertThat(closing).isNotDone();
            assertThat(probe.closed("held:1")).isZero();
            predictions.release();
            assertThat(done(running).output("y").toFloatArray()).containsExactly(1, 2);
            done(closing);
            assertThat(probe.closed("held:1")).isEqualTo(1);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void runsAsManyPredictionsAtOnceAsMaxConcurrencyAllows() throws Exception {
        Path dir = writeYaml(repo.resolve("wide/1"), ScalingModel.yaml("wide", 1, 8)
                + "concurrency:\n  max_concurrency: 2\n");
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try (ModelProbe probe = ModelProbe.open(repo); ModelRunner runner = ModelRunner.open(dir)) {
            ModelProbe.Gate predictions = probe.predictions("wide");
            predictions.hold();
            List<CompletableFuture<Prediction>> two = List.of(
                    CompletableFuture.supplyAsync(() -> runner.predict(Map.of("x", x(1, 2))), callers),
                    CompletableFuture.supplyAsync(() -> runner.predict(Map.of("x", x(3, 4))), callers));

            predictions.awaitArrivals(2); // both inside the model at once
            predictions.release();

            assertThat(done(two.get(1)).output("y").toFloatArray()).containsExactly(3, 4);
            assertThat(done(two.get(0)).output("y").toFloatArray()).containsExactly(1, 2);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aVersionWithGoldenExamplesIsServedByTheEngineAsBefore() {
        Path dir = scaling("scaled", 2);
        writeFile(dir.resolve("tests/one/request.json"), "{\"inputs\": {\"x\": "
                + "{\"dtype\": \"float32\", \"shape\": [1, 2], \"data\": [[1, 2]]}}}");
        writeFile(dir.resolve("tests/one/expected.json"), "{\"outputs\": {\"y\": "
                + "{\"dtype\": \"float32\", \"shape\": [1, 2], \"data\": [[2, 4]]}}}");
        try (Inferno inferno = Inferno.builder().repository(repo).build()) {
            done(inferno.ready());

            assertThat(inferno.models()).singleElement().satisfies(m -> assertThat(m.failures()).isEmpty());
            assertThat(done(inferno.predict(PredictRequest.of("scaled", Map.of("x", x(1, 2))))).output("y")
                    .toFloatArray()).containsExactly(2, 4);
        }
        try (ModelRunner runner = ModelRunner.open(dir)) {
            assertThat(runner.checkGoldenCases()).singleElement().satisfies(r -> assertThat(r.passed()).isTrue());
        }
    }
}
