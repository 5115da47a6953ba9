package io.inferno.grpc;

import io.inferno.runtime.Model;
import io.inferno.tensor.DType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Java-entrypoint models for the gRPC tests, loaded from the test class path. */
public final class GrpcTestModels {
    private GrpcTestModels() {}

    /** Returns each input as the output of the same name: every dtype travels in and out unchanged. */
    public static final class Echo implements Model {
        @Override
        public Map<String, io.inferno.tensor.Tensor> predict(Map<String, io.inferno.tensor.Tensor> inputs) {
            return new HashMap<>(inputs);
        }
    }

    /** Fails while running (not in the load-time dry run of zeros), with a message the client must see. */
    public static final class Failing implements Model {
        @Override
        public Map<String, io.inferno.tensor.Tensor> predict(Map<String, io.inferno.tensor.Tensor> inputs) {
            if (inputs.get("x").toFloatArray()[0] == 0f) {
                return Map.of("y", inputs.get("x"), "x_copy", inputs.get("x"));
            }
            throw new IllegalStateException("weights not initialised");
        }
    }

    /** {@code h} = {@code x} as bfloat16 (its high 16 bits): a model with an output that has no typed field. */
    public static final class ToBfloat16 implements Model {
        @Override
        public Map<String, io.inferno.tensor.Tensor> predict(Map<String, io.inferno.tensor.Tensor> inputs) {
            io.inferno.tensor.Tensor x = inputs.get("x");
            float[] v = x.toFloatArray();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
            }
            b.flip();
            return Map.of("h", io.inferno.tensor.Tensor.wrap(DType.BFLOAT16, x.shape(), b));
        }
    }

    /** model.yaml of {@link ToBfloat16}: x float32 [batch, 2] to h bfloat16 [batch, 2]. */
    public static String toBfloat16Yaml(String name) {
        return """
                name: %s
                version: 1
                format: java
                entrypoint: %s
                signature:
                  inputs:
                    - {name: x, dtype: float32, shape: [batch, 2]}
                  outputs:
                    - {name: h, dtype: bfloat16, shape: [batch, 2]}
                """.formatted(name, ToBfloat16.class.getName());
    }

    /** The input (and output) name of each dtype in the echo model: {@code t_float32}, {@code t_uint8}, ... */
    public static String echoName(DType dtype) {
        return "t_" + dtype.wireName();
    }

    /** model.yaml of an echo model: one [batch, 3] input and one output for each of {@code dtypes}. */
    public static String echoYaml(String name, DType... dtypes) {
        String tensors = Arrays.stream(dtypes)
                .map(d -> "    - {name: " + echoName(d) + ", dtype: " + d.wireName() + ", shape: [batch, 3]}")
                .collect(Collectors.joining("\n"));
        return """
                name: %s
                version: 1
                format: java
                entrypoint: %s
                signature:
                  inputs:
                %s
                  outputs:
                %s
                batching:
                  max_batch_size: 1
                """.formatted(name, Echo.class.getName(), tensors, tensors);
    }
}
