package io.inferno;

/** Admission refused because a queue is full or the engine is shutting down. Safe to retry later. */
public final class OverloadedException extends InfernoException {
    private static final long serialVersionUID = 1L;

    /** Why admission was refused. */
    public enum Reason {
        QUEUE_FULL,
        SHUTTING_DOWN
    }

    private final Reason reason;

    public OverloadedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
