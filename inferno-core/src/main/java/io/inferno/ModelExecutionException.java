package io.inferno;

/** The model failed while running a batch; the message is the model's own. */
public final class ModelExecutionException extends InfernoException {
    private static final long serialVersionUID = 1L;

    public ModelExecutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
