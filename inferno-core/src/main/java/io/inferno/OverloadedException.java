package io.inferno;

/**
 * Admission refused because a queue is full, the engine is shutting down, or the memory allowed for requests in
 * flight is taken. Safe to retry later.
 */
public final class OverloadedException extends InfernoException {
    private static final long serialVersionUID = 1L;

    /** Why admission was refused. */
    public enum Reason {
        /** The model version's queue holds {@code max_queue_size} requests. */
        QUEUE_FULL,
        /** The engine (or the server) is shutting down. */
        SHUTTING_DOWN,
        /** The bytes held by requests in flight are at their limit (the server's {@code MAX_INFLIGHT_BYTES}). */
        MEMORY
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
