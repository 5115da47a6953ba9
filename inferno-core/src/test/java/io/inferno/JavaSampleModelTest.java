package io.inferno;

import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inferno.golden.GoldenResult;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample repository's Java-entrypoint model ({@code models/java/1}) loads from its own jar: inferno-core's test
 * class path does not hold its class, so only the version's class loader can find it.
 */
class JavaSampleModelTest {
    @TempDir
    Path repo;

    @Test
    void servesTheSampleFromItsJar() throws IOException {
        Path source = Path.of("..", "models", "java", "1");
        Path target = Files.createDirectories(repo.resolve("java/1"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        try (Inferno inferno = Inferno.builder().repository(repo).build()) {
            done(inferno.ready());
            float[] x = {1, 2, 3, 4, 0, 0, 0, 0};
            Prediction p = done(inferno.predict(PredictRequest.of("java",
                    Map.of("x", Tensor.ofFloats(Shape.of(2, 4), x)))));
            float[] probs = p.output("probs").toFloatArray();
            assertThat(probs).containsExactly(expected(x, 2), within(1e-6f));
        }
    }

    @Test
    void passesItsGoldenExamplesInAModelRunner() {
        try (ModelRunner runner = ModelRunner.open(Path.of("..", "models", "java", "1"))) {
            List<GoldenResult> results = runner.checkGoldenCases();

            assertThat(results).extracting(r -> r.goldenCase().name()).containsExactly("two_rows");
            results.forEach(GoldenResult::assertPassed);
            // the example's numbers are the same softmax regression, computed in Python
            float[] x = results.get(0).goldenCase().inputs().get("x").toFloatArray();
            assertThat(results.get(0).goldenCase().expectedOutputs().get("probs").toFloatArray())
                    .containsExactly(expected(x, 2), within(1e-6f));
        }
    }

    /** Softmax regression with models/java/1/weights.txt, computed independently. */
    private static float[] expected(float[] x, int rows) {
        double[][] w = {{0.8, -0.4, 0.1}, {-0.3, 0.9, -0.2}, {0.5, 0.2, -0.7}, {-0.6, -0.1, 0.9}};
        double[] b = {0.1, 0.0, -0.1};
        float[] out = new float[rows * 3];
        for (int r = 0; r < rows; r++) {
            double[] z = new double[3];
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                z[c] = b[c];
                for (int f = 0; f < 4; f++) {
                    z[c] += x[r * 4 + f] * w[f][c];
                }
                z[c] = Math.exp(z[c]);
                sum += z[c];
            }
            for (int c = 0; c < 3; c++) {
                out[r * 3 + c] = (float) (z[c] / sum);
            }
        }
        return out;
    }
}
