package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.repository.ModelPackage;
import io.inferno.runtime.Device;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.testing.ReferenceCases;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class OnnxEngineTest {
    private static final String PROPERTY = "inferno.test.threads";

    @Test
    void threadCountsComeFromTheEngineElseFromDjlsPropertyElseOnnxRuntimesDefault() {
        try {
            System.setProperty(PROPERTY, "3");
            assertThat(OnnxEngine.threads(OptionalInt.of(2), PROPERTY)).hasValue(2);
            assertThat(OnnxEngine.threads(OptionalInt.empty(), PROPERTY)).hasValue(3);
            System.clearProperty(PROPERTY);
            assertThat(OnnxEngine.threads(OptionalInt.empty(), PROPERTY)).isEmpty();
        } finally {
            System.clearProperty(PROPERTY);
        }
    }

    @Test
    void aPropertyThatIsNotAThreadCountFailsTheLoadNamingIt() {
        ModelPackage p = Samples.sample("mlp_onnx", 1);
        try {
            System.setProperty(OnnxEngine.INTER_OP_PROPERTY, "two");

            assertThatThrownBy(() -> Samples.loader(RuntimeOptions.DEFAULTS).load(p.directory(), p.config()))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageEndingWith("model.onnx: cannot set up ONNX Runtime's session: system property"
                            + " ai.djl.onnxruntime.num_interop_threads must be a whole number of threads, 1 or more,"
                            + " got 'two'");
        } finally {
            System.clearProperty(OnnxEngine.INTER_OP_PROPERTY);
        }
    }

    @Test
    void explicitThreadCountsLoadAndRun() throws Exception {
        ModelPackage p = Samples.sample("mlp_onnx", 1);
        RuntimeOptions two = new RuntimeOptions(Device.CPU, OptionalInt.of(2), OptionalInt.of(2));
        try (OnnxModel model = (OnnxModel) Samples.loader(two).load(p.directory(), p.config())) {
            ReferenceCases.Case c = Samples.reference("mlp_onnx", 1).get(2);
            ReferenceCases.assertClose(model.predict(c.inputs()).get("scores"), c.outputs().get("scores"), "two threads");
        }
    }

    @Test
    void autoAndCpuAreTheCpuAndExplicitGpusAreRefusedOnACpuOnlyBuild() {
        OnnxEngine engine = OnnxEngine.start();

        assertThat(OnnxEngine.start()).isSameAs(engine);
        assertThat(engine.gpu(Device.AUTO)).isEqualTo(-1);
        assertThat(engine.gpu(Device.CPU)).isEqualTo(-1);
        assertThat(engine.version()).isEqualTo("1.21.1");
        assertThatThrownBy(() -> engine.gpu(Device.cuda(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("device cuda:0 requested but no CUDA GPU is available (DJL found 0 GPUs; this ONNX"
                        + " Runtime build is CPU-only, see docs/onnx.md for GPU hosts)");
    }
}
