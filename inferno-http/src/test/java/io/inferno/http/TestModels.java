package io.inferno.http;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.tensor.Tensor;
import java.util.Map;

/** Java-entrypoint models for the server tests, loaded from the test class path. */
public final class TestModels {
    private TestModels() {}

    /** Always fails while running, with a message the client must see. */
    public static final class Failing implements Model {
        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            if (inputs.get("x").toFloatArray()[0] == 0f) {
                return Map.of("y", inputs.get("x")); // lets the load-time dry run (zeros) pass
            }
            throw new IllegalStateException("weights not initialised");
        }
    }

    /** Echoes {@code x} as {@code y} after sleeping {@code sleep_ms} read from the model name's suffix. */
    public static final class Slow implements Model {
        private final long sleepMs;

        public Slow(ModelContext context) {
            String name = context.config().name();
            sleepMs = Long.parseLong(name.substring(name.lastIndexOf('_') + 1));
        }

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws InterruptedException {
            if (inputs.get("x").toFloatArray()[0] != 0f) {
                Thread.sleep(sleepMs);
            }
            return Map.of("y", inputs.get("x"));
        }
    }

    /** model.yaml of an {@code x} float32 [batch, 2] to {@code y} float32 [batch, 2] Java model. */
    public static String yaml(String name, long version, String entrypoint, int maxQueue, int maxBatch) {
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
                batching:
                  max_batch_size: %d
                  max_queue_size: %d
                """.formatted(name, version, entrypoint, maxBatch, maxQueue);
    }
}
