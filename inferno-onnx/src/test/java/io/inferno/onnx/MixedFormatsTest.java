package io.inferno.onnx;

import static io.inferno.testing.Await.done;
import static io.inferno.testing.ReferenceCases.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.Inferno;
import io.inferno.ModelDescription;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.model.Dim;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.testing.Await;
import io.inferno.testing.ReferenceCases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both runtimes in one engine: a repository mixing formats, and one model hot swapped between them under load. */
class MixedFormatsTest {
    @TempDir
    Path repo;

    @Test
    void theSampleRepositoryServesTorchScriptOnnxAndJavaModelsSideBySide() {
        try (Inferno inferno = Inferno.builder().repository(Samples.MODELS).build()) {
            done(inferno.ready());
            assertThat(inferno.models()).allSatisfy(m -> {
                assertThat(m.failures()).as(m.name()).isEmpty();
                assertThat(m.activeLoaded()).as(m.name()).isTrue();
            });

            for (String name : List.of("my_classifier", "my_classifier_onnx", "mlp_onnx", "torchscript", "multi_io")) {
                long version = done(inferno.describe(name, OptionalLong.empty())).version();
                for (ReferenceCases.Case c : Samples.reference(name, version)) {
                    Prediction p = done(inferno.predict(PredictRequest.of(name, c.inputs())));
                    c.outputs().forEach((output, want) -> assertClose(p.output(output), want, name + " " + output));
                }
            }
            assertThat(done(inferno.describe("my_classifier", OptionalLong.empty())).format())
                    .isEqualTo("torchscript");
            ModelDescription mlp = done(inferno.describe("mlp_onnx", OptionalLong.empty()));
            assertThat(mlp.format()).isEqualTo("onnx");
            assertThat(mlp.signature().inputs()).containsExactly(
                    TensorSpec.of("features", DType.FLOAT32, Dim.BATCH, Dim.fixed(16)));
            assertThat(mlp.batching().maxBatchSize()).isEqualTo(32);
        }
    }

    @Test
    void hotSwapsBetweenATorchScriptAndAnOnnxVersionUnderLoadFailNoRequest() throws Exception {
        copySample("my_classifier", 1, "clf", 1); // TorchScript
        copySample("my_classifier_onnx", 1, "clf", 2); // the same classifier, as ONNX
        List<ReferenceCases.Case> cases = Samples.reference("my_classifier_onnx", 1);
        try (Inferno inferno = Inferno.builder().repository(repo).build()) {
            done(inferno.ready());
            done(inferno.load("clf", 1));
            done(inferno.load("clf", 2));
            assertThat(done(inferno.describe("clf", OptionalLong.of(1))).format()).isEqualTo("torchscript");
            assertThat(done(inferno.describe("clf", OptionalLong.of(2))).format()).isEqualTo("onnx");

            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Semaphore answers = new Semaphore(0); // one permit per answer: the swaps below wait for traffic
            long[] servedBy = new long[3];
            int callers = 4;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                clients.add(pool.submit(() -> {
                    for (int i = 0; running.get() && i < 100_000; i++) {
                        ReferenceCases.Case c1 = cases.get((caller + i) % cases.size());
                        try {
                            Prediction p = done(inferno.predict(PredictRequest.of("clf", c1.inputs())));
                            assertClose(p.output("probs"), c1.outputs().get("probs"), "clf:" + p.version());
                            synchronized (servedBy) {
                                servedBy[(int) p.version()]++;
                            }
                            answers.release();
                        } catch (RuntimeException | AssertionError e) {
                            failures.add(e);
                        }
                    }
                    return null;
                }));
            }
            // swap back and forth, always keeping one version loaded, with requests answered between every step
            for (int round = 0; round < 4; round++) {
                awaitAnswers(answers);
                done(inferno.unload("clf", 1)); // ONNX serves
                awaitAnswers(answers);
                done(inferno.load("clf", 1)); // TorchScript serves, ONNX stays loaded
                awaitAnswers(answers);
                done(inferno.unload("clf", 2)); // TorchScript alone
                awaitAnswers(answers);
                done(inferno.load("clf", 2)); // ONNX serves
            }
            awaitAnswers(answers);
            running.set(false);
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            assertThat(failures).isEmpty();
            assertThat(servedBy[1]).as("answers of the TorchScript version").isGreaterThanOrEqualTo(20);
            assertThat(servedBy[2]).as("answers of the ONNX version").isGreaterThanOrEqualTo(20);
            ModelStatus status = inferno.model("clf");
            assertThat(status.active()).hasValue(2);
            assertThat(status.loaded()).containsExactly(1L, 2L);
        }
    }

    /** Waits until the callers got 20 answers since the last step, so that each state of the swap serves some. */
    private static void awaitAnswers(Semaphore answers) throws InterruptedException {
        answers.drainPermits();
        Await.acquire(answers, 20, "answers between two swaps");
    }

    /** Copies a sample version into the test repository under another name and version. */
    private void copySample(String name, long version, String as, long asVersion) throws IOException {
        Path from = Samples.MODELS.resolve(name + "/" + version);
        Path to = Files.createDirectories(repo.resolve(as + "/" + asVersion));
        try (Stream<Path> files = Files.list(from)) {
            files.forEach(f -> {
                try {
                    if (f.getFileName().toString().equals("model.yaml")) {
                        Files.writeString(to.resolve("model.yaml"), Files.readString(f)
                                .replace("name: " + name + "\n", "name: " + as + "\n")
                                .replace("version: " + version + "\n", "version: " + asVersion + "\n"));
                    } else {
                        Files.copy(f, to.resolve(f.getFileName()));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
