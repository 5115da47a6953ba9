package io.inferno;

/** No such model, or the requested version is not loaded. */
public final class ModelNotFoundException extends InfernoException {
    private static final long serialVersionUID = 1L;

    /** The message every caller sees, whatever the reason, as in the seed's API. */
    public static final String MESSAGE = "model not found or not loaded";

    public ModelNotFoundException() {
        super(MESSAGE);
    }

    public ModelNotFoundException(String message) {
        super(message);
    }
}
