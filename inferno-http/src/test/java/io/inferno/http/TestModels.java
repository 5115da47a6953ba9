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

    /** Answers its {@code tokens} input as its {@code tokens} output, whatever else it is given. */
    public static final class Echo implements Model {
        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            return Map.of("tokens", inputs.get("tokens"));
        }
    }

    /**
     * model.yaml of an {@link Echo} model whose inputs take several dtypes, a scalar, symbolic and any-size
     * dimensions and optional inputs: {@code tokens} int64 [batch, seq], and optional {@code mask} bool
     * [batch, seq], {@code scale} float16 [], {@code image} uint8 [batch, -1, 3], {@code bias} bfloat16 [seq]. It
     * cannot batch (two inputs have no batch dimension), so each request runs alone.
     */
    public static String echoYaml(String name, long version) {
        return """
                name: %s
                version: %d
                format: java
                entrypoint: %s
                signature:
                  inputs:
                    - {name: tokens, dtype: int64, shape: [batch, seq]}
                    - {name: mask, dtype: bool, shape: [batch, seq], optional: true}
                    - {name: scale, dtype: float16, shape: [], optional: true}
                    - {name: image, dtype: uint8, shape: [batch, -1, 3], optional: true}
                    - {name: bias, dtype: bfloat16, shape: [seq], optional: true}
                  outputs:
                    - {name: tokens, dtype: int64, shape: [batch, seq]}
                """.formatted(name, version, Echo.class.getName());
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
