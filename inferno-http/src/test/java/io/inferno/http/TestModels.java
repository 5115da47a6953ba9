package io.inferno.http;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ModelProbe;
import java.util.Map;
import java.util.Optional;

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

    /**
     * Echoes {@code x} as {@code y}; a prediction (not the load-time dry run of zeros) first passes the gate
     * {@code predictions(name)} of the test's {@link ModelProbe}, so the test decides how long it runs.
     */
    public static final class Gated implements Model {
        private final String name;
        private final Optional<ModelProbe> probe;

        public Gated(ModelContext context) {
            name = context.config().name();
            probe = ModelProbe.of(context);
        }

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws InterruptedException {
            if (inputs.get("x").toFloatArray()[0] != 0f && probe.isPresent()) {
                probe.get().predictions(name).pass();
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
