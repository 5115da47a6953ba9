package io.inferno;

/**
 * Root of Inferno's exceptions. Every failure the engine reports to a caller is one of the subclasses, each
 * standing for one kind of outcome; the HTTP server maps each kind to a status code in one place.
 *
 * <ul>
 *   <li>{@link InvalidInputException}: the request is malformed or disagrees with the model's signature.
 *   <li>{@link ModelNotFoundException}: no such model or version is known or loaded.
 *   <li>{@link OverloadedException}: admission refused (queue full, or shutting down); retry later.
 *   <li>{@link DeadlineExceededException}: the request's deadline passed before it ran.
 *   <li>{@link ModelExecutionException}: the model failed while running a batch.
 *   <li>{@link ModelLoadException}: a model version could not be loaded (bad package, bad artifact, bad config).
 *   <li>{@link StateUnavailableException}: the shared state store is unreachable, so admin changes are refused.
 * </ul>
 */
public abstract class InfernoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected InfernoException(String message) {
        super(message);
    }

    protected InfernoException(String message, Throwable cause) {
        super(message, cause);
    }
}
