package io.inferno;

import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static io.inferno.testing.Await.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.model.Dim;
import io.inferno.model.FormatRules;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.ModelRuntime;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A format whose runtime reads the signature from the artifact (as ONNX graphs declare theirs): model.yaml may leave
 * {@code signature} out, and the engine then validates, checks and describes the model with the runtime's.
 */
class ArtifactSignatureTest {
    @TempDir
    Path repo;

    /**
     * {@code format: described}: the artifact {@code model.txt} reads {@code <scale> <first dimension>}; the model
     * computes {@code y = x * scale} and declares x and y as float32 {@code [<first dimension>, 2]}.
     */
    static final class DescribedRuntime implements ModelRuntime {
        private final boolean readsSignature;

        DescribedRuntime(boolean readsSignature) {
            this.readsSignature = readsSignature;
        }

        @Override
        public String format() {
            return "described";
        }

        @Override
        public FormatRules formatRules() {
            return FormatRules.artifactFile(List.of("model.txt")).withOptionalSignature();
        }

        @Override
        public Model load(ModelContext context) throws Exception {
            String[] words = Files.readString(context.resolve(context.config().file().orElseThrow())).trim()
                    .split("\\s+");
            float scale = Float.parseFloat(words[0]);
            Dim first = words[1].equals("batch") ? Dim.BATCH : Dim.fixed(Long.parseLong(words[1]));
            Signature read = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, first, Dim.fixed(2))),
                    List.of(TensorSpec.of("y", DType.FLOAT32, first, Dim.fixed(2))));
            return new Model() {
                @Override
                public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
                    Tensor x = inputs.get("x");
                    float[] v = x.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        v[i] *= scale;
                    }
                    return Map.of("y", Tensor.ofFloats(x.shape(), v));
                }

                @Override
                public Optional<Signature> signature() {
                    return readsSignature ? Optional.of(read) : Optional.empty();
                }
            };
        }
    }

    private Inferno engine(boolean readsSignature) {
        return Inferno.builder().repository(repo).preload(false).runtime(new DescribedRuntime(readsSignature))
                .build();
    }

    private void write(String name, String artifact, String extra) {
        Path dir = writeYaml(repo.resolve(name + "/1"), "name: " + name + "\nversion: 1\nformat: described\n" + extra);
        writeFile(dir.resolve("model.txt"), artifact);
    }

    private static PredictRequest request(String model, Tensor x) {
        return PredictRequest.of(model, Map.of("x", x));
    }

    @Test
    void withoutASignatureInModelYamlTheRuntimesIsDescribedValidatedAndServed() {
        write("double", "2 batch", "");
        try (Inferno inferno = engine(true)) {
            ModelDescription d = done(inferno.describe("double", OptionalLong.empty()));
            assertThat(d.signature().inputs()).containsExactly(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH,
                    Dim.fixed(2)));
            assertThat(d.signature().outputs()).containsExactly(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH,
                    Dim.fixed(2)));
            assertThat(d.batching().enabled()).isTrue();

            Prediction p = done(inferno.predict(request("double", Tensor.ofFloats(Shape.of(1, 2), 1, 2))));
            assertThat(p.output("y").toFloatArray()).containsExactly(2, 4);
            assertThat(failure(inferno.predict(request("double", Tensor.ofInts(Shape.of(1, 3), 1, 2, 3)))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("Input 'x' has dtype int32; expected float32; Input 'x' dimension 1 is 3; expected 2"
                            + " (shape [batch, 2])");
        }
    }

    @Test
    void aSignatureInModelYamlIsServedAsDeclared() {
        write("declared", "3 batch", """
                signature:
                  inputs:
                    - {name: x, dtype: float32, shape: [batch, -1]}
                  outputs:
                    - {name: y, dtype: float32, shape: [batch, -1]}
                """);
        try (Inferno inferno = engine(true)) {
            assertThat(done(inferno.describe("declared", OptionalLong.empty())).signature().inputs().get(0).shape())
                    .containsExactly(Dim.BATCH, Dim.ANY);
        }
    }

    @Test
    void aReadSignatureThatCannotBatchFailsTheLoadWhileBatchingIsOn() throws Exception {
        write("single", "2 1", "");
        try (Inferno inferno = engine(true)) {
            assertThat(failure(inferno.load("single", 1))).isInstanceOf(ModelLoadException.class)
                    .hasMessage(repo.toRealPath().resolve("single/1/model.yaml") + ": with the signature the"
                            + " described runtime read from the artifact, inputs x float32 [1, 2]; outputs y float32"
                            + " [1, 2]: batching: the model cannot batch, because input 'x' [1, 2], output 'y' [1, 2]"
                            + " have no leading batch dimension; set batching.max_batch_size: 1, or declare a"
                            + " signature");
        }
    }

    @Test
    void aReadSignatureThatCannotBatchServesWithBatchingOff() {
        write("single", "2 1", "batching: {max_batch_size: 1}\n");
        try (Inferno inferno = engine(true)) {
            Prediction p = done(inferno.predict(request("single", Tensor.ofFloats(Shape.of(1, 2), 1, 2))));

            assertThat(p.output("y").toFloatArray()).containsExactly(2, 4);
            assertThat(done(inferno.describe("single", OptionalLong.empty())).batching().enabled()).isFalse();
        }
    }

    @Test
    void warmupSamplesAreMatchedAgainstTheReadSignature() throws Exception {
        write("warm", "2 batch", """
                warmup:
                  - {z: {dtype: float32, shape: [1, 2], data: [[1, 2]]}}
                  - {x: {dtype: int32, shape: [1, 2], data: [[1, 2]]}}
                """);
        try (Inferno inferno = engine(true)) {
            assertThat(failure(inferno.load("warm", 1))).isInstanceOf(ModelLoadException.class)
                    .hasMessageEndingWith("warmup[0].z: no input named 'z'; inputs: x; warmup[0]: missing required"
                            + " input 'x'; warmup[1].x: dtype int32 does not match the signature's float32");
        }
    }

    @Test
    void aRuntimeThatReadsNoSignatureFailsTheLoadClearly() throws Exception {
        write("mute", "2 batch", "");
        try (Inferno inferno = engine(false)) {
            assertThat(failure(inferno.load("mute", 1))).isInstanceOf(ModelLoadException.class)
                    .hasMessage(repo.toRealPath().resolve("mute/1/model.yaml") + ": no signature, and the described"
                            + " runtime read none from the artifact; declare one in model.yaml");
        }
    }
}
