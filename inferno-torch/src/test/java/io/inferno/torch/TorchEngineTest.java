package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import io.inferno.runtime.Device;
import io.inferno.runtime.RuntimeOptions;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
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

    @Test
    void theStartupLineNamesTheCpuKernelsFromTheEnvironment() {
        assertThat(TorchEngine.cpuKernels(Map.of("ATEN_CPU_CAPABILITY", "avx2")))
                .isEqualTo("avx2 (ATEN_CPU_CAPABILITY)");
        assertThat(TorchEngine.cpuKernels(Map.of("ATEN_CPU_CAPABILITY", " avx512 ")))
                .isEqualTo("avx512 (ATEN_CPU_CAPABILITY)");
        assertThat(TorchEngine.cpuKernels(Map.of()))
                .isEqualTo("libtorch's choice (ATEN_CPU_CAPABILITY unset: AVX-512 where the CPU has it)");
        assertThat(TorchEngine.cpuKernels(Map.of("ATEN_CPU_CAPABILITY", "")))
                .startsWith("libtorch's choice");
    }

    @Test
    void unsetThreadCountsDefaultToOneUnlessDjlOrOpenMpSetThem() {
        Properties none = new Properties();
        RuntimeOptions filled = TorchEngine.withThreadDefaults(RuntimeOptions.DEFAULTS, none, Map.of());
        assertThat(filled.intraOpThreads()).hasValue(1);
        assertThat(filled.interOpThreads()).hasValue(1);

        RuntimeOptions requested = new RuntimeOptions(Device.AUTO, OptionalInt.of(3), OptionalInt.of(2));
        assertThat(TorchEngine.withThreadDefaults(requested, none, Map.of())).isEqualTo(requested);

        Properties djl = new Properties();
        djl.setProperty("ai.djl.pytorch.num_threads", "4");
        djl.setProperty("ai.djl.pytorch.num_interop_threads", "2");
        RuntimeOptions left = TorchEngine.withThreadDefaults(RuntimeOptions.DEFAULTS, djl, Map.of());
        assertThat(left.intraOpThreads()).isEmpty();
        assertThat(left.interOpThreads()).isEmpty();

        RuntimeOptions openMp = TorchEngine.withThreadDefaults(RuntimeOptions.DEFAULTS, none,
                Map.of("OMP_NUM_THREADS", "2"));
        assertThat(openMp.intraOpThreads()).isEmpty();
        assertThat(openMp.interOpThreads()).hasValue(1);
    }

    @Test
    void theGraphOptimizerIsOnUnlessThePropertySaysFalse() {
        assertThat(TorchEngine.graphOptimizer(null)).isTrue();
        assertThat(TorchEngine.graphOptimizer("true")).isTrue();
        assertThat(TorchEngine.graphOptimizer("false")).isFalse();
        assertThat(TorchEngine.graphOptimizer(" FALSE ")).isFalse();
        // surefire sets no graph_optimizer property: the process runs with the default
        assertThat(TorchEngine.start(RuntimeOptions.DEFAULTS).graphOptimizer()).isTrue();
    }
}
