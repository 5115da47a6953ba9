package io.inferno;

/** The request's deadline passed while it waited; it was never executed. */
public final class DeadlineExceededException extends InfernoException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(String message) {
        super(message);
    }
}
