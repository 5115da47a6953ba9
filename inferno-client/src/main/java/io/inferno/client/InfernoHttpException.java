package io.inferno.client;

import io.inferno.InfernoException;

/**
 * A remote call failed with a status that no {@link InfernoException} subclass of core stands for: the request
 * itself was refused (400 not JSON, 401 token missing or wrong, 403 browser origin, 405, 408 body too slow, 413
 * body too large, 415, 431, 505), or the server answered something that is not its API (another status, or a 200
 * whose body cannot be read). The message is the server's {@code detail}.
 */
public final class InfernoHttpException extends InfernoException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status the HTTP status answered
     * @param message the server's {@code detail}, or what was wrong with its answer
     */
    public InfernoHttpException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status answered. */
    public int status() {
        return status;
    }
}
