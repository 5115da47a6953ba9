package io.inferno;

/**
 * The request's deadline passed while it waited: it was never executed, or only in a batch that failed, while the
 * batcher was looking for the requests that made that batch fail.
 */
public final class DeadlineExceededException extends InfernoException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(String message) {
        super(message);
    }
}
