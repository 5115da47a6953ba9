package io.inferno.torch;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.JniUtils;
import io.inferno.runtime.Device;
import io.inferno.runtime.RuntimeOptions;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch as this process uses it, started once, by the first TorchScript load.
 *
 * <p>Everything here is process-wide, because libtorch's settings are:
 * <ul>
 *   <li><b>Threads.</b> Intra-op and inter-op thread counts from {@link RuntimeOptions} are applied by the first
 *       load that carries them, before its model runs; unset, libtorch's defaults stay (DJL's system properties
 *       {@code ai.djl.pytorch.num_threads} / {@code num_interop_threads} still work). Later, different requests are
 *       logged and ignored: each thread picks up the intra-op count once, the first time it runs a parallel
 *       operator, and libtorch lets the inter-op count be set only once, before any inter-op work.
 *   <li><b>Graph optimizer.</b> The TorchScript profiling executor re-optimizes a graph for every new input shape
 *       (seconds each), which dynamic batching keeps triggering. Its switch is per thread in libtorch, so every
 *       thread that runs a model calls {@link #prepareThread()} first; it applies the switch once per thread: off,
 *       unless {@code -Dai.djl.pytorch.graph_optimizer=true}. (DJL's own handling lives in
 *       {@code PtSymbolBlock.forward(ParameterStore, ...)}, which the runtime does not use.)
 *   <li><b>Devices.</b> Whether this libtorch build has CUDA, and how many GPUs DJL sees, are read once.
 * </ul>
 */
final class TorchEngine {
    static final String GRAPH_OPTIMIZER_PROPERTY = "ai.djl.pytorch.graph_optimizer";

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
        this.graphOptimizer = Boolean.getBoolean(GRAPH_OPTIMIZER_PROPERTY);
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
                started.applyThreads(options);
                log.info("libtorch {} started: {} build, {} GPU(s), intra-op threads {}, inter-op threads {}, "
                                + "graph optimizer {}", started.version, started.cudaBuild ? "CUDA" : "CPU-only",
                        started.gpuCount, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                        started.graphOptimizer ? "on" : "off on every thread that runs a model");
            } else {
                started.applyThreads(options);
            }
            return started;
        }
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
