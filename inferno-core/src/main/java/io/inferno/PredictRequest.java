package io.inferno;

import io.inferno.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One prediction to make. Build one with {@link #of} for the common case, or with {@link #builder} to pin a
 * version, choose outputs or set a timeout:
 *
 * <pre>{@code
 * PredictRequest request = PredictRequest.builder("classifier")
 *         .input("tokens", tokens)
 *         .version(2)
 *         .outputs(List.of("probabilities"))
 *         .timeout(Duration.ofMillis(50))
 *         .build();
 * }</pre>
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
        timeout.ifPresent(PredictRequest::requirePositive);
    }

    /** A request for every output of the active version, with the model's default timeout. */
    public static PredictRequest of(String model, Map<String, Tensor> inputs) {
        return new PredictRequest(model, OptionalLong.empty(), inputs, Optional.empty(), Optional.empty());
    }

    /**
     * A builder of a request to {@code model}: by default for every output of the active version, with the
     * model's {@code timeout_ms}.
     *
     * @param model the model's name; an unknown name fails the prediction with {@link ModelNotFoundException}
     * @throws NullPointerException if {@code model} is null
     */
    public static Builder builder(String model) {
        return new Builder(model);
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

    /** The longest timeout a request may ask for. */
    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    private static Duration requirePositive(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("timeout must be positive, got " + timeout);
        }
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new InvalidInputException("timeout must be at most " + MAX_TIMEOUT + ", got " + timeout);
        }
        return timeout;
    }

    /**
     * Builds a {@link PredictRequest}. Each setter checks its argument at once: a null throws
     * {@link NullPointerException}, a bad value {@link InvalidInputException} quoting it. Whether inputs and
     * outputs agree with the model's signature is checked when predicting ({@code docs/validation.md}). Setting
     * the version, outputs or timeout again replaces the earlier value; a builder may build more than once.
     */
    public static final class Builder {
        private final String model;
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();
        private OptionalLong version = OptionalLong.empty();
        private Optional<List<String>> outputs = Optional.empty();
        private Optional<Duration> timeout = Optional.empty();

        private Builder(String model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /**
         * Adds one input.
         *
         * @throws InvalidInputException if an input of that name was already added
         */
        public Builder input(String name, Tensor tensor) {
            Objects.requireNonNull(name, "input name");
            Objects.requireNonNull(tensor, () -> "tensor of input '" + name + "'");
            if (inputs.containsKey(name)) {
                throw new InvalidInputException("input '" + name + "' is given more than once");
            }
            inputs.put(name, tensor);
            return this;
        }

        /**
         * Adds every input of {@code named}, in its iteration order, as {@link #input} does.
         *
         * @throws InvalidInputException if one of them was already added
         */
        public Builder inputs(Map<String, Tensor> named) {
            Objects.requireNonNull(named, "inputs");
            named.forEach(this::input);
            return this;
        }

        /**
         * Pins a version instead of the active one.
         *
         * @throws InvalidInputException unless {@code version} is positive
         */
        public Builder version(long version) {
            if (version <= 0) {
                throw new InvalidInputException("version must be positive, got " + version);
            }
            this.version = OptionalLong.of(version);
            return this;
        }

        /**
         * Returns only the named outputs, in signature order.
         *
         * @throws NullPointerException if {@code names} is or holds null
         */
        public Builder outputs(List<String> names) {
            Objects.requireNonNull(names, "outputs");
            List<String> copy = new ArrayList<>(names);
            if (copy.contains(null)) {
                throw new NullPointerException("outputs must not hold null, got " + copy);
            }
            this.outputs = Optional.of(List.copyOf(copy));
            return this;
        }

        /**
         * How long the request may wait in the queue, instead of the model's {@code timeout_ms}.
         *
         * @throws InvalidInputException unless {@code timeout} is positive
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            this.timeout = Optional.of(requirePositive(timeout));
            return this;
        }

        /** The request; inputs are those added so far (none is allowed here, the signature decides). */
        public PredictRequest build() {
            return new PredictRequest(model, version, inputs, outputs, timeout);
        }
    }
}
