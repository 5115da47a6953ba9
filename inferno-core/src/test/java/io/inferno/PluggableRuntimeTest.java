package io.inferno;

import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.ModelRuntime;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime of a format that core has never heard of, plugged in by an embedder: its packages scan, load and
 * predict like any other.
 */
class PluggableRuntimeTest {
    @TempDir
    Path repo;

    /** {@code format: affine}: y = x * scale + offset, with "scale offset" read from the artifact. */
    public static final class AffineRuntime implements ModelRuntime {
        @Override
        public String format() {
            return "affine";
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
            inferno.ready().join();

            assertThat(inferno.model("affine").failures()).isEmpty();
            assertThat(inferno.model("affine").onDisk()).containsExactly(1L);
            Prediction p = inferno.predict(request("affine", 1, 2, 3, 4)).join();
            assertThat(p.output("y").toFloatArray()).containsExactly(3, 5, 7, 9);
        }
    }
}
