package io.inferno;

/**
 * A model version could not be loaded: its package or model.yaml is invalid, its artifact is missing or corrupt,
 * or the runtime refused it. The message names the file and the reason.
 */
public class ModelLoadException extends InfernoException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
