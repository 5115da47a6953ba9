package io.inferno;

/**
 * The model failed on the request; the message is the model's own. When the request's batch held others, the message
 * comes from a run of the request alone (the batcher runs parts of a failed batch again to find the requests that
 * fail it), unless the search gave up first, which the message then says.
 */
public final class ModelExecutionException extends InfernoException {
    private static final long serialVersionUID = 1L;

    public ModelExecutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
