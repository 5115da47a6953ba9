package io.inferno;

import io.inferno.tensor.Tensor;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One prediction to make.
 *
 * @param model the model's name
 * @param version a pinned version, or empty for the active one
 * @param inputs named input tensors
 * @param outputs the outputs to return, or empty for all of them
 * @param timeout how long the request may wait in the queue, or empty for the model's {@code timeout_ms}
 */
public record PredictRequest(String model, OptionalLong version, Map<String, Tensor> inputs,
        Optional<List<String>> outputs, Optional<Duration> timeout) {

    public PredictRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(outputs, "outputs");
        Objects.requireNonNull(timeout, "timeout");
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = outputs.map(List::copyOf);
        if (timeout.isPresent() && (timeout.get().isNegative() || timeout.get().isZero())) {
            throw new InvalidInputException("timeout must be positive, got " + timeout.get().toMillis() + " ms");
        }
    }

    /** A request for every output of the active version, with the model's default timeout. */
    public static PredictRequest of(String model, Map<String, Tensor> inputs) {
        return new PredictRequest(model, OptionalLong.empty(), inputs, Optional.empty(), Optional.empty());
    }

    public PredictRequest withVersion(long v) {
        return new PredictRequest(model, OptionalLong.of(v), inputs, outputs, timeout);
    }

    public PredictRequest withOutputs(List<String> names) {
        return new PredictRequest(model, version, inputs, Optional.of(names), timeout);
    }

    public PredictRequest withTimeout(Duration t) {
        return new PredictRequest(model, version, inputs, outputs, Optional.of(t));
    }
}
