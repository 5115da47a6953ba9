package io.inferno.internal;

import io.inferno.ModelExecutionException;
import io.inferno.tensor.Tensor;
import java.util.Map;

/**
 * What the engine tells callers when a model's {@code predict} throws or breaks its contract, shared by the
 * {@link Batcher} and {@link io.inferno.ModelRunner} so that both say it in the same words.
 */
public final class ModelCalls {
    private ModelCalls() {}

    /** The model threw {@code e}: its message, or its class when it has none. */
    public static ModelExecutionException thrown(String modelId, Throwable e) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getName() : e.getMessage();
        return new ModelExecutionException("model " + modelId + " failed: " + message, e);
    }

    /** Running the model raised an {@link Error}. */
    public static ModelExecutionException failed(String modelId, Error e) {
        return new ModelExecutionException("model " + modelId + " failed: " + e, e);
    }

    /** {@code outputs}, checked not to be null. */
    public static Map<String, Tensor> returned(Map<String, Tensor> outputs) {
        if (outputs == null) {
            throw new ModelExecutionException("the model returned no outputs (null)", null);
        }
        return outputs;
    }

    /** The output {@code name}, checked to be there. */
    public static Tensor output(Map<String, Tensor> outputs, String name) {
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new ModelExecutionException("the model did not return output '" + name + "'", null);
        }
        return t;
    }
}
