package io.inferno;

/** The shared state store cannot be reached; admin changes are refused rather than letting replicas diverge. */
public final class StateUnavailableException extends InfernoException {
    private static final long serialVersionUID = 1L;

    public StateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
