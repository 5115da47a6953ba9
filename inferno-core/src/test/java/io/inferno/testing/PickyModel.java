package io.inferno.testing;

import io.inferno.runtime.Model;
import io.inferno.tensor.Tensor;
import java.util.Map;

/**
 * A Java-entrypoint model with {@link ScalingModel#yaml}'s signature that returns its input as {@code y} and
 * {@code x_copy}, and fails on a negative input (the load-time dry run predicts zeros, so it loads).
 */
public final class PickyModel implements Model {
    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        Tensor x = inputs.get("x");
        for (float f : x.toFloatArray()) {
            if (f < 0) {
                throw new IllegalArgumentException("x holds a negative value: " + f);
            }
        }
        return Map.of("y", x, "x_copy", x);
    }
}
