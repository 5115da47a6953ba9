package io.inferno.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.inferno.runtime.Device;
import io.inferno.runtime.RuntimeOptions;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime as this process uses it, started once, by the first ONNX load.
 *
 * <ul>
 *   <li><b>One environment, DJL's.</b> ONNX Runtime allows one {@link OrtEnvironment} per process, and DJL's
 *       OnnxRuntime engine creates it with thread-pool options; had anything created it first, DJL's engine would
 *       refuse to start. So the runtime starts DJL's engine first, and then takes that same environment
 *       ({@link OrtEnvironment#getEnvironment()} returns the one that exists). Sessions are created in it directly,
 *       not through DJL's {@code OrtModel}, because the load check needs the session's declared inputs and outputs,
 *       which DJL's model keeps to itself.
 *   <li><b>Threads, per model.</b> Each session has its own intra-op pool (threads one operator may use) and
 *       inter-op pool (threads for independent operators; ONNX Runtime uses it only in its parallel execution
 *       mode, and sessions here run sequentially). The counts come from {@link RuntimeOptions}, else from DJL's
 *       system properties {@value #INTRA_OP_PROPERTY} and {@value #INTER_OP_PROPERTY}, else ONNX Runtime's default
 *       (one intra-op thread per physical core). DJL itself applies those properties to global pools that
 *       sessions only use when they opt out of their own, so without this they would do nothing.
 *   <li><b>Devices.</b> Which execution providers this ONNX Runtime build has (CUDA only in the
 *       {@code onnxruntime_gpu} artifact) and how many GPUs DJL sees are read once.
 * </ul>
 */
final class OnnxEngine {
    static final String INTRA_OP_PROPERTY = "ai.djl.onnxruntime.num_threads";
    static final String INTER_OP_PROPERTY = "ai.djl.onnxruntime.num_interop_threads";

    private static final Logger log = LoggerFactory.getLogger(OnnxEngine.class);
    private static final Object LOCK = new Object();

    private static OnnxEngine started; // guarded by LOCK

    private final OrtEnvironment environment;
    private final String version;
    private final boolean cudaBuild;
    private final int gpuCount;

    private OnnxEngine(Engine engine, OrtEnvironment environment) {
        this.environment = environment;
        this.version = engine.getVersion();
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        this.cudaBuild = providers.contains(OrtProvider.CUDA);
        this.gpuCount = cudaBuild ? engine.getGpuCount() : 0;
        log.info("ONNX Runtime {} started through DJL: {} build (execution providers {}), {} GPU(s)", version,
                cudaBuild ? "CUDA" : "CPU-only", providers, gpuCount);
    }

    /**
     * Starts DJL's OnnxRuntime engine on first use (ONNX Runtime loads its native library from its jar) and returns
     * the process's engine.
     *
     * @throws RuntimeException or {@link LinkageError} when the native library or DJL's engine cannot start
     */
    static OnnxEngine start() {
        synchronized (LOCK) {
            if (started == null) {
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                    throw new IllegalStateException("the ONNX runtime needs a little-endian platform");
                }
                // DJL offline (ONNX Runtime comes from its jar) and its usage reporting (a probe of the cloud
                // metadata address) off, unless the user set DJL_OFFLINE / OPT_OUT_TRACKING or the properties
                System.getProperties().putIfAbsent("ai.djl.offline", "true");
                System.getProperties().putIfAbsent("OPT_OUT_TRACKING", "true");
                Engine engine = Engine.getEngine("OnnxRuntime");
                started = new OnnxEngine(engine, OrtEnvironment.getEnvironment());
            }
            return started;
        }
    }

    OrtEnvironment environment() {
        return environment;
    }

    String version() {
        return version;
    }

    /**
     * Checks a requested device: {@code auto} is GPU 0 when this build has the CUDA execution provider and DJL sees
     * a GPU, else the CPU.
     *
     * @return the CUDA device index, or -1 for the CPU
     * @throws IllegalArgumentException saying why a requested GPU is not available
     */
    int gpu(Device requested) {
        switch (requested.kind()) {
            case CPU:
                return -1;
            case AUTO:
                return gpuCount > 0 ? 0 : -1;
            case CUDA:
                if (requested.index() < gpuCount) {
                    return requested.index();
                }
                throw new IllegalArgumentException("device " + requested + " requested but "
                        + (gpuCount == 0 ? "no CUDA GPU is available" : "only cuda:0 to cuda:" + (gpuCount - 1)
                                + " exist") + " (DJL found " + gpuCount + " GPU" + (gpuCount == 1 ? "" : "s") + "; "
                        + (cudaBuild ? "this ONNX Runtime build has the CUDA execution provider"
                                : "this ONNX Runtime build is CPU-only, see docs/onnx.md for GPU hosts") + ")");
            default:
                throw new AssertionError(requested);
        }
    }

    /**
     * Session options for one model: its threads ({@link #threads}) and, for a GPU, the CUDA execution provider
     * (nodes it cannot run fall back to the CPU). The caller closes them once the session is created.
     */
    OrtSession.SessionOptions sessionOptions(RuntimeOptions options, int gpu) throws OrtException {
        OrtSession.SessionOptions session = new OrtSession.SessionOptions();
        try {
            OptionalInt intra = threads(options.intraOpThreads(), INTRA_OP_PROPERTY);
            OptionalInt inter = threads(options.interOpThreads(), INTER_OP_PROPERTY);
            if (intra.isPresent()) {
                session.setIntraOpNumThreads(intra.getAsInt());
            }
            if (inter.isPresent()) {
                session.setInterOpNumThreads(inter.getAsInt());
            }
            if (gpu >= 0) {
                session.addCUDA(gpu);
            }
            return session;
        } catch (OrtException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** A thread count: the engine's setting, else DJL's system property, else none (ONNX Runtime's default). */
    static OptionalInt threads(OptionalInt configured, String property) {
        if (configured.isPresent()) {
            return configured;
        }
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return OptionalInt.of(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + property + " must be a whole number of threads, 1"
                + " or more, got '" + value + "'");
    }
}
