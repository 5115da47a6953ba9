package io.inferno.testing;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java-entrypoint model for engine tests: {@code y = x * version}, so the version that answered shows in the
 * numbers. Counts its instances per model id, and sleeps {@code sleepMs} per batch when the model's name starts
 * with {@code slow} (to make batches overlap).
 */
public final class ScalingModel implements Model {
    public static final Map<String, AtomicInteger> CREATED = new ConcurrentHashMap<>();
    public static final Map<String, AtomicInteger> CLOSED = new ConcurrentHashMap<>();

    private final String id;
    private final float factor;
    private final long sleepMs;

    public ScalingModel(ModelContext context) throws InterruptedException {
        id = context.config().id();
        factor = context.config().version();
        sleepMs = context.config().name().startsWith("slow") ? 3 : 0;
        if (context.config().name().startsWith("slowload")) {
            Thread.sleep(200);
        }
        CREATED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    /** The model.yaml of a scaling model: {@code x} float32 [batch, 2] to {@code y} float32 [batch, 2]. */
    public static String yaml(String name, long version, int maxBatchSize) {
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
                  max_batch_latency_ms: 2
                  max_queue_size: 4096
                """.formatted(name, version, ScalingModel.class.getName(), maxBatchSize);
    }

    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws InterruptedException {
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        Tensor x = inputs.get("x");
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return Map.of("y", Tensor.ofFloats(x.shape(), v), "x_copy", x);
    }

    @Override
    public void close() {
        CLOSED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }
}
