package io.inferno;

import io.inferno.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to a {@link PredictRequest}.
 *
 * @param model the model's name
 * @param version the version that served it
 * @param outputs the requested outputs, in signature order; unmodifiable (the tensors are shared, not copied)
 */
public record Prediction(String model, long version, Map<String, Tensor> outputs) {
    public Prediction {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(outputs, "outputs");
        Map<String, Tensor> copy = new LinkedHashMap<>(outputs);
        copy.forEach((name, tensor) -> {
            Objects.requireNonNull(name, "output name");
            Objects.requireNonNull(tensor, () -> "tensor of output '" + name + "'");
        });
        outputs = Collections.unmodifiableMap(copy);
    }

    /** One output. */
    public Tensor output(String name) {
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no output '" + name + "'; have " + outputs.keySet());
        }
        return t;
    }
}
