package io.inferno.torch;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.JniUtils;
import io.inferno.runtime.Device;
import io.inferno.runtime.RuntimeOptions;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch as this process uses it, started once, by the first TorchScript load.
 *
 * <p>Everything here is process-wide, because libtorch's settings are:
 * <ul>
 *   <li><b>Threads.</b> Intra-op and inter-op thread counts from {@link RuntimeOptions} are applied by the first
 *       load that carries them, before its model runs. When the first start leaves one unset, it is
 *       {@value #DEFAULT_THREADS} ({@link #withThreadDefaults}): one core per batch, with concurrency coming from
 *       {@code max_concurrency} and from batching (docs/performance.md, "Threads and concurrency", has the
 *       measurements), unless DJL's system properties {@code ai.djl.pytorch.num_threads} /
 *       {@code num_interop_threads} or {@code OMP_NUM_THREADS} set it. Later, different requests are
 *       logged and ignored: each thread picks up the intra-op count once, the first time it runs a parallel
 *       operator, and libtorch lets the inter-op count be set only once, before any inter-op work.
 *   <li><b>Graph optimizer.</b> On, unless {@code -Dai.djl.pytorch.graph_optimizer=false}. The TorchScript
 *       profiling executor profiles a module's first run and optimizes on the next, which is slow once (55 to 180
 *       ms on the sample classifier); models therefore ask the loader to warm them up at the batch sizes the
 *       batcher forms ({@link TorchScriptModel#warmsUpBatchSizes()}), and no request meets that run. The optimized
 *       plan belongs to the module, so a warm-up on the loading thread serves every thread. The switch itself is
 *       per thread in libtorch, so every thread that runs a model calls {@link #prepareThread()} first; it applies
 *       the switch once per thread. (DJL's own handling lives in {@code PtSymbolBlock.forward(ParameterStore,
 *       ...)}, which the runtime does not use.)
 *   <li><b>CPU kernels.</b> libtorch picks its vectorized kernels (AVX-512, AVX2) once, from the environment
 *       variable {@code ATEN_CPU_CAPABILITY}; the startup line names the choice ({@link #cpuKernels}).
 *   <li><b>Devices.</b> Whether this libtorch build has CUDA, and how many GPUs DJL sees, are read once.
 * </ul>
 */
final class TorchEngine {
    static final String GRAPH_OPTIMIZER_PROPERTY = "ai.djl.pytorch.graph_optimizer";
    static final String INTRA_OP_PROPERTY = "ai.djl.pytorch.num_threads";
    static final String INTER_OP_PROPERTY = "ai.djl.pytorch.num_interop_threads";
    /** The environment variable libtorch chooses its CPU kernels by. */
    static final String CPU_CAPABILITY_ENV = "ATEN_CPU_CAPABILITY";
    /** Intra-op and inter-op threads when nothing sets them. */
    static final int DEFAULT_THREADS = 1;

    private static final Logger log = LoggerFactory.getLogger(TorchEngine.class);
    private static final Object LOCK = new Object();
    private static final ThreadLocal<Boolean> THREAD_PREPARED = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private static TorchEngine started; // guarded by LOCK

    private final String version;
    private final boolean cudaBuild;
    private final int gpuCount;
    private final boolean graphOptimizer;
    private int intraOpThreads; // guarded by LOCK; 0 until this class sets them
    private int interOpThreads; // guarded by LOCK; 0 until this class sets them

    private TorchEngine(Engine engine) {
        this.version = engine.getVersion();
        this.cudaBuild = engine.hasCapability(StandardCapabilities.CUDA);
        this.gpuCount = cudaBuild ? engine.getGpuCount() : 0;
        this.graphOptimizer = graphOptimizer(System.getProperty(GRAPH_OPTIMIZER_PROPERTY));
    }

    /**
     * Starts libtorch on first use (extracting it from the pytorch-native jar into DJL's cache if needed) and
     * applies the thread settings of {@code options} if none were applied yet.
     *
     * @throws EngineException or {@link IllegalArgumentException} when the native library cannot be loaded
     */
    static TorchEngine start(RuntimeOptions options) {
        synchronized (LOCK) {
            if (started == null) {
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                    throw new IllegalStateException("the TorchScript runtime needs a little-endian platform");
                }
                quietDjl();
                started = new TorchEngine(Engine.getEngine("PyTorch"));
                started.applyThreads(withThreadDefaults(options, System.getProperties(), System.getenv()));
                log.info("libtorch {} started: {} build, {} GPU(s), intra-op threads {}, inter-op threads {}, "
                                + "graph optimizer {}, CPU kernels {}", started.version,
                        started.cudaBuild ? "CUDA" : "CPU-only", started.gpuCount, JniUtils.getNumThreads(),
                        JniUtils.getNumInteropThreads(), started.graphOptimizer ? "on (models warm up at load)"
                                : "off on every thread that runs a model", cpuKernels(System.getenv()));
            } else {
                started.applyThreads(options);
            }
            return started;
        }
    }

    /**
     * The CPU kernels libtorch runs, as the startup line names them: {@code ATEN_CPU_CAPABILITY} when it is set
     * ({@code avx512}, {@code avx2} or {@code default}), else libtorch's own choice, the widest the CPU has. It is
     * read by libtorch once, from the environment, so it can only be chosen where the process is started
     * (docs/performance.md, "Model execution": AVX-512 kernels had a slow state on the development machine).
     */
    static String cpuKernels(Map<String, String> env) {
        String chosen = env.get(CPU_CAPABILITY_ENV);
        return chosen == null || chosen.isBlank()
                ? "libtorch's choice (" + CPU_CAPABILITY_ENV + " unset: AVX-512 where the CPU has it)"
                : chosen.trim() + " (" + CPU_CAPABILITY_ENV + ")";
    }

    /**
     * DJL offline (libtorch comes from the pytorch-native jar; nothing is downloaded) and its usage reporting off
     * (its "call home" probes the cloud metadata address at start), unless the user chose otherwise: the
     * environment variables {@code DJL_OFFLINE} and {@code OPT_OUT_TRACKING} win over these system properties, and
     * properties already set stay. See docs/torchscript.md.
     */
    static void quietDjl() {
        System.getProperties().putIfAbsent("ai.djl.offline", "true");
        System.getProperties().putIfAbsent("OPT_OUT_TRACKING", "true");
    }

    /**
     * {@code options} with each unset thread count set to {@value #DEFAULT_THREADS}, unless something libtorch or
     * DJL reads sets it: {@code ai.djl.pytorch.num_threads} or {@code OMP_NUM_THREADS} for intra-op threads,
     * {@code ai.djl.pytorch.num_interop_threads} for inter-op threads.
     */
    static RuntimeOptions withThreadDefaults(RuntimeOptions options, Properties properties, Map<String, String> env) {
        OptionalInt intra = options.intraOpThreads();
        if (intra.isEmpty() && properties.getProperty(INTRA_OP_PROPERTY) == null
                && env.get("OMP_NUM_THREADS") == null) {
            intra = OptionalInt.of(DEFAULT_THREADS);
        }
        OptionalInt inter = options.interOpThreads();
        if (inter.isEmpty() && properties.getProperty(INTER_OP_PROPERTY) == null) {
            inter = OptionalInt.of(DEFAULT_THREADS);
        }
        return new RuntimeOptions(options.device(), intra, inter);
    }

    // guarded by LOCK
    private void applyThreads(RuntimeOptions options) {
        intraOpThreads = apply("intra-op", options.intraOpThreads(), intraOpThreads, JniUtils.getNumThreads(),
                JniUtils::setNumThreads);
        interOpThreads = apply("inter-op", options.interOpThreads(), interOpThreads,
                JniUtils.getNumInteropThreads(), JniUtils::setNumInteropThreads);
    }

    private static int apply(String what, OptionalInt requested, int applied, int current,
            IntConsumer setter) {
        if (requested.isEmpty()) {
            return applied;
        }
        int n = requested.getAsInt();
        if (applied != 0) {
            if (applied != n) {
                log.warn("libtorch {} threads stay at {}: they are process-wide and were set by an earlier load; "
                        + "ignoring {}", what, applied, n);
            }
            return applied;
        }
        if (current == n) {
            return n;
        }
        try {
            setter.accept(n);
            log.info("libtorch {} threads set to {}", what, n);
            return n;
        } catch (EngineException e) {
            // inter-op threads can be set once, before any inter-op work (for example by a DJL system property)
            log.warn("libtorch {} threads stay at {}: {}", what, current, TorchErrors.reason(e));
            return current;
        }
    }

    /** The optimizer setting from the property's value: on unless it is {@code false} (any case). */
    static boolean graphOptimizer(String property) {
        return property == null || !property.trim().equalsIgnoreCase("false");
    }

    /** Whether libtorch's graph optimizer runs on the threads that run models. */
    boolean graphOptimizer() {
        return graphOptimizer;
    }

    /** Applies the graph-optimizer switch to the calling thread, once per thread. Call before running a model. */
    void prepareThread() {
        if (!THREAD_PREPARED.get()) {
            JniUtils.setGraphExecutorOptimize(graphOptimizer);
            THREAD_PREPARED.set(Boolean.TRUE);
        }
    }

    /**
     * The DJL device for a requested one: {@code auto} is GPU 0 when this build has CUDA and DJL sees a GPU, else
     * the CPU.
     *
     * @throws IllegalArgumentException saying why a requested GPU is not available
     */
    ai.djl.Device device(Device requested) {
        switch (requested.kind()) {
            case CPU:
                return ai.djl.Device.cpu();
            case AUTO:
                return gpuCount > 0 ? ai.djl.Device.gpu(0) : ai.djl.Device.cpu();
            case CUDA:
                if (requested.index() < gpuCount) {
                    return ai.djl.Device.gpu(requested.index());
                }
                throw new IllegalArgumentException("device " + requested + " requested but "
                        + (gpuCount == 0 ? "no CUDA GPU is available" : "only cuda:0 to cuda:" + (gpuCount - 1)
                                + " exist") + " (DJL found " + gpuCount + " GPU" + (gpuCount == 1 ? "" : "s") + "; "
                        + (cudaBuild ? "this libtorch build has CUDA" : "this libtorch build is CPU-only, see "
                                + "docs/torchscript.md for GPU hosts") + ")");
            default:
                throw new AssertionError(requested);
        }
    }

    String version() {
        return version;
    }
}
