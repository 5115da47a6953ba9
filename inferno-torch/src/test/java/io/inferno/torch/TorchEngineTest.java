package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import io.inferno.runtime.Device;
import io.inferno.runtime.RuntimeOptions;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TorchEngineTest {
    private static RuntimeOptions intraOp(int threads) {
        return new RuntimeOptions(Device.AUTO, OptionalInt.of(threads), OptionalInt.empty());
    }

    @Test
    void threadSettingsAreProcessWideAndTheFirstRequestWins() {
        // surefire starts libtorch with ai.djl.pytorch.num_threads=1
        TorchEngine engine = TorchEngine.start(intraOp(1));
        assertThat(JniUtils.getNumThreads()).isEqualTo(1);

        assertThat(TorchEngine.start(intraOp(2))).isSameAs(engine);
        assertThat(JniUtils.getNumThreads()).isEqualTo(1);
    }

    @Test
    void autoIsTheCpuAndExplicitGpusAreRefusedOnACpuOnlyBuild() {
        TorchEngine engine = TorchEngine.start(RuntimeOptions.DEFAULTS);
        assertThat(engine.device(Device.AUTO)).isEqualTo(ai.djl.Device.cpu());
        assertThat(engine.device(Device.CPU)).isEqualTo(ai.djl.Device.cpu());
        assertThatThrownBy(() -> engine.device(Device.cuda(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("device cuda:0 requested but no CUDA GPU is available (DJL found 0 GPUs; "
                        + "this libtorch build is CPU-only");
    }
}
