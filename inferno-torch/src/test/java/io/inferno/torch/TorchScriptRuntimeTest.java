package io.inferno.torch;

import static io.inferno.testing.ReferenceCases.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inferno.ModelLoadException;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
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
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

class TorchScriptRuntimeTest {
    /** x float32 [batch, 4] in, y float32 [batch, 3] out: the linear samples' signature. */
    private static final Signature LINEAR = new Signature(
            List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.fixed(4))),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH, Dim.fixed(3))));

    @TempDir
    Path tmp;

    @Test
    void isDiscoveredWithServiceLoader() {
        assertThat(Runtimes.discovered(getClass().getClassLoader()).forFormat("torchscript"))
                .isInstanceOf(TorchScriptRuntime.class);
    }

    static Stream<Arguments> samples() {
        return Stream.of(Arguments.of("torchscript", 1), Arguments.of("torchscript", 2),
                Arguments.of("my_classifier", 1), Arguments.of("multi_io", 1));
    }

    @ParameterizedTest(name = "{0}:{1}")
    @MethodSource("samples")
    void reproducesTheReferenceOutputsOfEverySample(String name, long version) throws Exception {
        try (TorchScriptModel model = Samples.load(name, version)) {
            for (ReferenceCases.Case c : Samples.reference(name, version)) {
                Map<String, Tensor> outputs = model.predict(c.inputs());
                assertThat(outputs).containsOnlyKeys(c.outputs().keySet());
                c.outputs().forEach((output, want) -> assertClose(outputs.get(output), want,
                        name + ":" + version + " " + output + " for " + c.rows() + " rows"));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Load failures: each one a ModelLoadException naming the file and the reason, and the process stays healthy

    static Stream<Arguments> brokenPackages() {
        return Stream.of(
                broken("missing file", dir -> {}, LINEAR, "model.ts: model file not found (model.yaml file: model.ts)"),
                broken("truncated archive", dir -> copy("broken/truncated.ts", dir), LINEAR,
                        "model.ts: cannot load it as TorchScript: PytorchStreamReader failed reading zip archive: "
                                + "failed finding central directory (expected a file saved with torch.jit.save)"),
                broken("zip that is not TorchScript", dir -> copy("broken/not_torchscript.ts", dir), LINEAR,
                        "model.ts: cannot load it as TorchScript: file in archive is not in a subdirectory: "
                                + "readme.txt"),
                broken("directory in place of the file", dir -> mkdirs(dir.resolve("model.ts")), LINEAR,
                        "model.ts: model file is not a regular file"),
                broken("forward takes 3 tensors, the signature declares 1", dir -> copy("broken/arity3.ts", dir),
                        LINEAR, "the dry run failed: forward() is missing value for argument 'b'; model.ts's forward"
                                + " takes (Tensor a, Tensor b, Tensor c) and gets the signature's 1 input by "
                                + "position (x)"),
                broken("int16 input", dir -> copy("broken/arity3.ts", dir), new Signature(
                        List.of(TensorSpec.of("x", DType.INT16, Dim.BATCH)), LINEAR.outputs()),
                        "model.yaml: input 'x' is int16, which DJL 0.36's PyTorch engine cannot exchange "
                                + "with libtorch (supported: bool, uint8, int8, int32, int64, float16, float32, "
                                + "float64)"));
    }

    private static Arguments broken(String what, Consumer<Path> setup, Signature signature, String message) {
        return Arguments.of(Named.of(what, setup), signature, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPackages")
    void aBrokenPackageFailsItsLoadWithPathAndReasonAndLeavesTheProcessHealthy(Consumer<Path> setup,
            Signature signature, String message) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("broken/1"));
        setup.accept(dir);
        ModelConfig config = ScriptedModels.config("broken", signature);

        assertThatThrownBy(() -> Samples.loader(RuntimeOptions.DEFAULTS).load(dir, config))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(dir.toAbsolutePath().toString())
                .hasMessageContaining(message);

        try (TorchScriptModel good = Samples.load("torchscript", 1)) {
            ReferenceCases.Case c = Samples.reference("torchscript", 1).get(0);
            assertClose(good.predict(c.inputs()).get("y"), c.outputs().get("y"), "torchscript:1 after a failure");
        }
    }

    @Test
    void refusesAModelFileOutsideTheVersionDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("escape/1"));
        copy("broken/arity3.ts", tmp.resolve("escape"));
        ModelConfig config = new ModelConfig("escape", 1, "torchscript", java.util.Optional.empty(),
                java.util.Optional.of("../model.ts"), LINEAR, io.inferno.model.BatchingConfig.DEFAULTS, 1,
                io.inferno.codec.Codec.JSON, List.of());

        assertThatThrownBy(() -> new TorchScriptRuntime().load(
                new io.inferno.runtime.ModelContext(dir, config, RuntimeOptions.DEFAULTS)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model file '../model.ts' is outside the version directory");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Devices

    @Test
    void autoRunsOnTheCpuWhenThereIsNoGpu() throws Exception {
        var p = Samples.sample("torchscript", 2);
        try (TorchScriptModel model = (TorchScriptModel) Samples.loader(
                RuntimeOptions.DEFAULTS.withDevice(Device.AUTO)).load(p.directory(), p.config())) {
            assertThat(model.device()).isEqualTo(ai.djl.Device.cpu());
            assertThat(model.predict(Map.of("x", Samples.features(2, 1))).get("y").shape()).isEqualTo(Shape.of(2, 3));
        }
    }

    @ParameterizedTest
    @MethodSource("cudaDevices")
    void anExplicitCudaDeviceWithoutAGpuFailsTheLoadClearly(String device) {
        var p = Samples.sample("torchscript", 2);
        ModelLoader loader = Samples.loader(RuntimeOptions.DEFAULTS.withDevice(Device.parse(device)));

        assertThatThrownBy(() -> loader.load(p.directory(), p.config()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p.directory().resolve("model.ts") + ": device " + device + " requested but no CUDA GPU "
                        + "is available (DJL found 0 GPUs; this libtorch build is CPU-only, see docs/torchscript.md "
                        + "for GPU hosts)");
    }

    static Stream<String> cudaDevices() {
        return Stream.of("cuda:0", "cuda:1");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Failures while predicting, closing

    @Test
    void withTheGraphOptimizerOnAModelIsWarmedUpAtLoadAndServesAnyBatchSize() throws Exception {
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            assertThat(model.warmsUpBatchSizes()).isTrue(); // the loader ran it at 1, 2, 4, 8, 16 and 32 rows
            for (int rows : new int[] {3, 32, 17}) {
                Tensor tokens = Tensor.ofLongs(Shape.of(rows, 5), new long[rows * 5]);
                assertThat(model.predict(Map.of("tokens", tokens)).get("probs").shape()).isEqualTo(Shape.of(rows, 4));
            }
        }
    }

    @Test
    void eachLoadLogsTheEffectiveConcurrencyThreadsAndOptimizer() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(TorchScriptRuntime.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).startsWith("loaded my_classifier:1 from ")
                            .endsWith(": max_concurrency 1, max_batch_size 32, intra-op threads 1, inter-op threads 1,"
                                    + " graph optimizer on"));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void aForwardThatThrowsReportsTheTorchScriptErrorInOneLine() throws Exception {
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            Tensor outOfVocabulary = Tensor.ofLongs(Shape.of(1, 2), 5, 5000);

            assertThatThrownBy(() -> model.predict(Map.of("tokens", outOfVocabulary)))
                    .isInstanceOf(TorchScriptException.class)
                    .hasMessage("RuntimeError: index out of range in self")
                    .cause().hasMessageContaining("The following operation failed in the TorchScript interpreter");
        }
    }

    @Test
    void closingFreesTheModuleOnceAndLaterPredictionsFailClearly() throws Exception {
        TorchScriptModel model = Samples.load("torchscript", 1);
        int loaded = model.processLiveArrays();
        int parameters = model.liveArrays();
        assertThat(parameters).isPositive();

        model.close();
        model.close();

        assertThat(model.processLiveArrays()).isEqualTo(loaded - parameters);
        assertThatThrownBy(() -> model.predict(Map.of("x", Samples.features(1, 1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("model torchscript:1 is closed");
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void copy(String resource, Path dir) {
        try (InputStream in = TorchScriptRuntimeTest.class.getResourceAsStream("/" + resource)) {
            Files.createDirectories(dir);
            Files.copy(in, dir.resolve("model.ts"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
