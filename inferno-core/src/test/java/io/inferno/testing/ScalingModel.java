package io.inferno.testing;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.tensor.Tensor;
import java.util.Map;
import java.util.Optional;

/**
 * A Java-entrypoint model for engine tests: {@code y = x * version}, so the version that answered shows in the
 * numbers. When its test opened a {@link ModelProbe} on the repository, it reports its instances there and passes
 * the probe's gates: its load (constructor) passes {@code loads(name)} then {@code loads(name:version)}, and each prediction of non-zero inputs
 * passes {@code predictions(name)} (the load-time dry run predicts zeros). It sleeps 3 ms per batch when the
 * model's name starts with {@code slow}, so that batches take some time and overlap.
 */
public final class ScalingModel implements Model {
    private final String id;
    private final String name;
    private final float factor;
    private final long sleepMs;
    private final Optional<ModelProbe> probe;

    public ScalingModel(ModelContext context) throws InterruptedException {
        id = context.config().id();
        name = context.config().name();
        factor = context.config().version();
        sleepMs = name.startsWith("slow") ? 3 : 0;
        probe = ModelProbe.of(context);
        if (probe.isPresent()) {
            probe.get().loads(name).pass();
            probe.get().loads(id).pass();
            probe.get().recordCreated(id);
        }
    }

    /** The model.yaml of a scaling model: {@code x} float32 [batch, 2] to {@code y} float32 [batch, 2]. */
    public static String yaml(String name, long version, int maxBatchSize) {
        return yaml(name, version, ScalingModel.class.getName(), maxBatchSize, 4096);
    }

    /**
     * The model.yaml of a model with the scaling model's signature served by {@code entrypoint} (this class, or a
     * test double such as a model that fails), with the given batch and queue sizes; a batch size of 1 turns
     * batching off.
     */
    public static String yaml(String name, long version, String entrypoint, int maxBatchSize, int maxQueueSize) {
        return """
                name: %s
                version: %d
                format: java
                entrypoint: %s
                signature:
                  inputs:
                    - {name: x, dtype: float32, shape: [batch, 2]}
                  outputs:
                    - {name: y, dtype: float32, shape: [batch, 2]}
                    - {name: x_copy, dtype: float32, shape: [batch, 2]}
                batching:
                  max_batch_size: %d
                %s  max_queue_size: %d
                """.formatted(name, version, entrypoint, maxBatchSize,
                maxBatchSize > 1 ? "  max_batch_latency_ms: 2\n" : "", maxQueueSize); // refused with batching off
    }

    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws InterruptedException {
        Tensor x = inputs.get("x");
        float[] v = x.toFloatArray();
        if (probe.isPresent() && !allZero(v)) {
            probe.get().predictions(name).pass();
        }
        if (sleepMs > 0) {
            Thread.sleep(sleepMs); // the model's own compute time, not a wait for something else
        }
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return Map.of("y", Tensor.ofFloats(x.shape(), v), "x_copy", x);
    }

    private static boolean allZero(float[] v) {
        for (float f : v) {
            if (f != 0f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        probe.ifPresent(p -> p.recordClosed(id));
    }
}
