package io.inferno;

import java.util.Objects;
import java.util.Optional;

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
 *
 * <p>A failure that came back from a remote server (through {@code inferno-client}) carries the request id the
 * server answered with ({@link #requestId()}), so it can be found in the server's logs.
 */
public abstract class InfernoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private String requestId; // set at most once, by initRequestId

    protected InfernoException(String message) {
        super(message);
    }

    protected InfernoException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The id of the request that failed ({@code X-Request-ID}), when the failure came from a remote server. */
    public final synchronized Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /**
     * Records the id of the request that failed. Like {@link #initCause}, it can be set once, by whoever creates
     * the exception (a client that maps a server's answer to an exception).
     *
     * @return this exception
     * @throws IllegalStateException if the request id was already set
     */
    public final synchronized InfernoException initRequestId(String id) {
        Objects.requireNonNull(id, "id");
        if (requestId != null) {
            throw new IllegalStateException("request id already set to " + requestId + ", cannot set " + id);
        }
        requestId = id;
        return this;
    }
}
