package io.inferno;

import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.model.FormatRules;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.ModelRuntime;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime of a format that core has never heard of, plugged in by an embedder: its packages scan, load and
 * predict like any other.
 */
class PluggableRuntimeTest {
    @TempDir
    Path repo;

    /**
     * {@code format: affine}: y = x * scale + offset, with "scale offset" read from the artifact, by default
     * {@code affine.txt}. Public with a public constructor, so that {@link ServiceLoader} can create it.
     */
    public static final class AffineRuntime implements ModelRuntime {
        @Override
        public String format() {
            return "affine";
        }

        @Override
        public FormatRules formatRules() {
            return FormatRules.artifactFile(List.of("affine.txt"));
        }

        @Override
        public Model load(ModelContext context) throws Exception {
            String[] words = Files.readString(context.resolve(context.config().file().orElseThrow())).trim()
                    .split("\\s+");
            float scale = Float.parseFloat(words[0]);
            float offset = Float.parseFloat(words[1]);
            return inputs -> {
                Tensor x = inputs.get("x");
                float[] v = x.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] = v[i] * scale + offset;
                }
                return Map.of("y", Tensor.ofFloats(x.shape(), v));
            };
        }
    }

    static String affineYaml(String name, String extra) {
        return """
                name: %s
                version: 1
                format: affine
                signature:
                  inputs:
                    - {name: x, dtype: float32, shape: [batch, 2]}
                  outputs:
                    - {name: y, dtype: float32, shape: [batch, 2]}
                """.formatted(name) + extra;
    }

    private static PredictRequest request(String model, float... x) {
        return PredictRequest.of(model, Map.of("x", Tensor.ofFloats(Shape.of(x.length / 2, 2), x)));
    }

    @Test
    void runtimeRegisteredWithTheBuilderScansLoadsAndPredictsItsFormat() {
        Path dir = writeYaml(repo.resolve("affine/1"), affineYaml("affine", "file: weights.txt\n"));
        writeFile(dir.resolve("weights.txt"), "2 1\n");

        try (Inferno inferno = Inferno.builder().repository(repo).runtime(new AffineRuntime()).build()) {
            Await.done(inferno.ready());

            assertThat(inferno.model("affine").failures()).isEmpty();
            assertThat(inferno.model("affine").onDisk()).containsExactly(1L);
            Prediction p = Await.done(inferno.predict(request("affine", 1, 2, 3, 4)));
            assertThat(p.output("y").toFloatArray()).containsExactly(3, 5, 7, 9);
        }
    }

    @Test
    void aPackageOfTheRuntimesFormatCopiedInAfterStartLoadsWithTheSameRules() {
        writeYaml(repo.resolve("other/1"), affineYaml("other", "file: weights.txt\n"));
        writeFile(repo.resolve("other/1/weights.txt"), "1 0\n");
        try (Inferno inferno = Inferno.builder().repository(repo).runtime(new AffineRuntime()).build()) {
            assertThat(inferno.ready()).succeedsWithin(java.time.Duration.ofSeconds(20));
            Path dir = writeYaml(repo.resolve("late/1"), affineYaml("late", ""));
            writeFile(dir.resolve("affine.txt"), "3 0\n"); // the runtime's default artifact name

            assertThat(inferno.load("late", 1)).succeedsWithin(java.time.Duration.ofSeconds(20));
            assertThat(inferno.predict(request("late", 1, 2))).succeedsWithin(java.time.Duration.ofSeconds(20))
                    .satisfies(p -> assertThat(p.output("y").toFloatArray()).containsExactly(3, 6));
        }
    }

    @Test
    void theRuntimesRulesCompleteItsFieldsWhenTheRepositoryIsScanned() {
        Path dir = writeYaml(repo.resolve("plus1/1"), affineYaml("plus1", ""));
        writeFile(dir.resolve("affine.txt"), "1 1\n");

        try (Inferno inferno = Inferno.builder().repository(repo).runtime(new AffineRuntime()).build()) {
            Await.done(inferno.ready());

            assertThat(Await.done(inferno.predict(request("plus1", 1, 2))).output("y").toFloatArray())
                    .containsExactly(2, 3);
        }
    }

    @Test
    void aPackageThatBreaksTheRuntimesRulesIsRefusedByTheScanWithItsReason() {
        writeYaml(repo.resolve("nofile/1"), affineYaml("nofile", "entrypoint: com.acme.Affine\n"));

        try (Inferno inferno = Inferno.builder().repository(repo).runtime(new AffineRuntime()).build()) {
            Await.done(inferno.ready());

            ModelStatus status = inferno.model("nofile");
            assertThat(status.onDisk()).isEmpty();
            assertThat(status.failures()).singleElement().extracting(ModelStatus.Failure::reason).isEqualTo(
                    "entrypoint: only for format java, not affine; remove it, got 'com.acme.Affine'; file: not set,"
                            + " and the version directory holds no affine.txt; add the artifact or name it in file");
        }
    }

    @Test
    void withoutItsRuntimeTheFormatIsRefusedNamingTheFormatsAvailable() {
        writeYaml(repo.resolve("affine/1"), affineYaml("affine", "file: weights.txt\n"));

        try (Inferno inferno = Inferno.builder().repository(repo).build()) {
            Await.done(inferno.ready());

            assertThat(inferno.model("affine").failures()).singleElement().extracting(ModelStatus.Failure::reason)
                    .isEqualTo("format: unsupported format 'affine'; supported: java");
        }
    }

    @Test
    void runtimeDiscoveredWithServiceLoaderBringsItsFormatAndRules(@TempDir Path classPath) throws Exception {
        writeFile(classPath.resolve("META-INF/services/" + ModelRuntime.class.getName()),
                AffineRuntime.class.getName() + "\n");
        Path dir = writeYaml(repo.resolve("found/1"), affineYaml("found", ""));
        writeFile(dir.resolve("affine.txt"), "3 0\n");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classPath.toUri().toURL()},
                PluggableRuntimeTest.class.getClassLoader())) {
            Runtimes runtimes = Runtimes.discovered(loader);
            assertThat(runtimes.formats()).contains("affine", "java");

            RepositorySnapshot snapshot = new RepositoryScanner(runtimes.configParser()).scan(repo);
            assertThat(snapshot.failures()).isEmpty();
            ModelPackage found = snapshot.find("found", 1).orElseThrow();
            assertThat(found.config().file()).contains("affine.txt");
            try (Model model = new ModelLoader(runtimes, RuntimeOptions.DEFAULTS)
                    .load(found.directory(), found.config())) {
                assertThat(model.predict(Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 2))).get("y")
                        .toFloatArray()).containsExactly(3, 6);
            }
        }
    }
}
