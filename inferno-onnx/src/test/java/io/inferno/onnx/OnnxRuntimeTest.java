package io.inferno.onnx;

import static io.inferno.testing.ReferenceCases.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.repository.ModelPackage;
import io.inferno.runtime.Device;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ReferenceCases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxRuntimeTest {
    /** The MLP sample's signature, as model.yaml would declare it. */
    private static final Signature MLP = new Signature(
            List.of(TensorSpec.of("features", DType.FLOAT32, Dim.BATCH, Dim.fixed(16))),
            List.of(TensorSpec.of("scores", DType.FLOAT32, Dim.BATCH, Dim.fixed(3))));

    @TempDir
    Path tmp;

    @Test
    void isDiscoveredWithServiceLoaderBesideTheTorchScriptRuntime() {
        Runtimes runtimes = Runtimes.discovered(getClass().getClassLoader());

        assertThat(runtimes.forFormat("onnx")).isInstanceOf(OnnxRuntime.class);
        assertThat(runtimes.formats()).containsExactly("java", "onnx", "torchscript");
    }

    static Stream<Arguments> samples() {
        return Stream.of(Arguments.of("my_classifier_onnx", 1), Arguments.of("mlp_onnx", 1));
    }

    @ParameterizedTest(name = "{0}:{1}")
    @MethodSource("samples")
    void reproducesTheReferenceOutputsOfEverySample(String name, long version) throws Exception {
        try (OnnxModel model = Samples.load(name, version)) {
            for (ReferenceCases.Case c : Samples.reference(name, version)) {
                Map<String, Tensor> outputs = model.predict(c.inputs());
                assertThat(outputs).containsOnlyKeys(c.outputs().keySet());
                c.outputs().forEach((output, want) -> assertClose(outputs.get(output), want,
                        name + ":" + version + " " + output + " for " + c.rows() + " rows"));
            }
        }
    }

    @Test
    @SuppressWarnings("try") // Model.close() declares Exception
    void theClassifierAnswersAsItsTorchScriptTwinOnInputsOfAnySize() throws Exception {
        ModelLoader loader = Samples.loader(RuntimeOptions.DEFAULTS);
        ModelPackage ts = Samples.sample("my_classifier", 1);
        try (OnnxModel onnx = Samples.load("my_classifier_onnx", 1);
                Model torch = loader.load(ts.directory(), ts.config())) {
            for (int[] size : new int[][] {{1, 1}, {1, 32}, {7, 5}, {32, 32}, {3, 100}}) {
                Map<String, Tensor> in = Map.of("tokens", ReferenceCases.tokens(size[0], size[1], size[0] * 100L + size[1]));
                assertClose(onnx.predict(in).get("probs"), torch.predict(in).get("probs"),
                        "probs for " + Arrays.toString(size));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The signature: taken from the graph when model.yaml has none

    @Test
    void withoutASignatureInModelYamlTheGraphsIsServed() {
        ModelPackage p = Samples.sample("mlp_onnx", 1);
        assertThat(p.config().signature()).isEmpty();
        try (OnnxModel model = Samples.load("mlp_onnx", 1)) {
            assertThat(model.signature()).contains(MLP);
            assertThat(ModelLoader.servedConfig(p.directory(), p.config(), model).signature()).contains(MLP);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theGraphsNamedDynamicDimensionsBecomeSymbols() throws Exception {
        Path dir = copyOf("my_classifier_onnx", tmp.resolve("clf/1"));
        try (OnnxModel model = OnnxGraphs.load(dir, Optional.empty())) {
            assertThat(model.signature()).contains(new Signature(
                    List.of(TensorSpec.of("tokens", DType.INT64, Dim.BATCH, Dim.symbolic("seq"))),
                    List.of(TensorSpec.of("probs", DType.FLOAT32, Dim.BATCH, Dim.fixed(4)))));
        }
    }

    @Test
    void aSignatureInModelYamlIsServedAndTheGraphsIsNotOffered() throws Exception {
        try (OnnxModel model = Samples.load("my_classifier_onnx", 1)) {
            assertThat(model.signature()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Load failures: each one a ModelLoadException naming the file and the reason, and the process stays healthy

    static Stream<Arguments> brokenPackages() {
        return Stream.of(
                broken("missing file", dir -> {}, "model.onnx: model file not found (model.yaml file: model.onnx)"),
                broken("directory in place of the file", dir -> mkdirs(dir.resolve("model.onnx")),
                        "model.onnx: model file is not a regular file"),
                broken("truncated file", dir -> truncated(dir), "model.onnx: cannot load it as ONNX: Load model from"
                        + " {dir}/model.onnx failed:Protobuf parsing failed. (expected an ONNX model, such as"
                        + " torch.onnx.export writes)"),
                broken("a TorchScript file", dir -> copy(Samples.MODELS.resolve("torchscript/1/model.ts"), dir),
                        "model.onnx: cannot load it as ONNX: Load model from {dir}/model.onnx failed:Protobuf"
                                + " parsing failed. (expected an ONNX model, such as torch.onnx.export writes)"),
                broken("an empty file", dir -> write(dir, new byte[0]), "model.onnx: cannot load it as ONNX: Load model"
                        + " from {dir}/model.onnx failed:ModelProto does not have a graph. (expected an ONNX model,"
                        + " such as torch.onnx.export writes)"),
                broken("a graph that disagrees with the signature", dir -> copyOf("mlp_onnx", dir),
                        "model.onnx: the graph disagrees with model.yaml's signature: input 'features' dimension 1 is"
                                + " 8 in model.yaml, 16 in the graph ([batch, 16])"));
    }

    private static Arguments broken(String what, Consumer<Path> setup, String message) {
        return Arguments.of(Named.of(what, setup), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPackages")
    void aBrokenPackageFailsItsLoadWithPathAndReasonAndLeavesTheProcessHealthy(Consumer<Path> setup,
            String message) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("broken/1"));
        setup.accept(dir);
        Signature narrow = new Signature(List.of(TensorSpec.of("features", DType.FLOAT32, Dim.BATCH, Dim.fixed(8))),
                MLP.outputs());
        ModelConfig config = OnnxGraphs.config("broken", Optional.of(narrow));

        assertThatThrownBy(() -> Samples.loader(RuntimeOptions.DEFAULTS).load(dir, config))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(dir.toAbsolutePath().toString())
                .hasMessageContaining(message.replace("{dir}", dir.toString()));

        try (OnnxModel good = Samples.load("mlp_onnx", 1)) {
            ReferenceCases.Case c = Samples.reference("mlp_onnx", 1).get(2);
            assertClose(good.predict(c.inputs()).get("scores"), c.outputs().get("scores"), "mlp_onnx after a failure");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Devices

    @Test
    void autoRunsOnTheCpuWhenThereIsNoGpu() throws Exception {
        ModelPackage p = Samples.sample("mlp_onnx", 1);
        try (OnnxModel model = (OnnxModel) Samples.loader(RuntimeOptions.DEFAULTS.withDevice(Device.AUTO))
                .load(p.directory(), p.config())) {
            assertThat(model.device()).isEqualTo("cpu");
            assertThat(model.predict(Map.of("features", Samples.features(2, 1))).get("scores").shape())
                    .isEqualTo(Shape.of(2, 3));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda:0", "cuda:1"})
    void anExplicitCudaDeviceWithoutAGpuFailsTheLoadClearly(String device) {
        ModelPackage p = Samples.sample("mlp_onnx", 1);
        ModelLoader loader = Samples.loader(RuntimeOptions.DEFAULTS.withDevice(Device.parse(device)));

        assertThatThrownBy(() -> loader.load(p.directory(), p.config()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p.directory().toAbsolutePath().normalize().resolve("model.onnx") + ": device " + device
                        + " requested but no CUDA GPU is available (DJL found 0 GPUs; this ONNX Runtime build is"
                        + " CPU-only, see docs/onnx.md for GPU hosts)");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Failures while predicting, closing

    @Test
    void aGraphThatFailsOnABatchReportsOnnxRuntimesReasonInOneLine() throws Exception {
        try (OnnxModel model = Samples.load("my_classifier_onnx", 1)) {
            Tensor outOfVocabulary = Tensor.ofLongs(Shape.of(1, 2), 5, 5000);

            assertThatThrownBy(() -> model.predict(Map.of("tokens", outOfVocabulary)))
                    .isInstanceOf(OnnxRunException.class)
                    .hasMessageNotContaining("\n")
                    .hasMessageContaining("indices element out of data bounds, idx=5000");
        }
    }

    @Test
    void closingFreesTheSessionOnceAndLaterPredictionsFailClearly() throws Exception {
        OnnxModel model = Samples.load("mlp_onnx", 1);

        model.close();
        model.close();

        assertThatThrownBy(() -> model.predict(Map.of("features", Samples.features(1, 1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("model mlp_onnx:1 is closed");
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Copies a sample's model.onnx into {@code dir}; returns {@code dir}. */
    static Path copyOf(String sample, Path dir) {
        copy(Samples.MODELS.resolve(sample + "/1/model.onnx"), dir);
        return dir;
    }

    private static void copy(Path file, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.copy(file, dir.resolve("model.onnx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void truncated(Path dir) {
        try {
            byte[] whole = Files.readAllBytes(Samples.MODELS.resolve("mlp_onnx/1/model.onnx"));
            write(dir, Arrays.copyOf(whole, whole.length / 2));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path dir, byte[] bytes) {
        try {
            Files.write(dir.resolve("model.onnx"), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
