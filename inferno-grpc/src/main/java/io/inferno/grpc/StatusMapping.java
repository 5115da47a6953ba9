package io.inferno.grpc;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.inferno.DeadlineExceededException;
import io.inferno.InvalidInputException;
import io.inferno.ModelExecutionException;
import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.OverloadedException;
import io.inferno.StateUnavailableException;
import io.inferno.text.ClientText;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where failures become gRPC statuses, with the REST API's status for the same outcome (for the
 * {@code status} label of {@code infer_requests_total}).
 *
 * <table>
 *   <caption>status by failure</caption>
 *   <tr><td>{@link InvalidInputException} (with the validator's message)</td><td>INVALID_ARGUMENT</td></tr>
 *   <tr><td>{@link ModelNotFoundException} (unknown model, version not loaded)</td><td>NOT_FOUND</td></tr>
 *   <tr><td>{@link OverloadedException} {@code QUEUE_FULL}</td><td>RESOURCE_EXHAUSTED</td></tr>
 *   <tr><td>{@link OverloadedException} {@code SHUTTING_DOWN}, {@link StateUnavailableException}</td>
 *       <td>UNAVAILABLE</td></tr>
 *   <tr><td>{@link DeadlineExceededException} ({@code timeout_ms} or the call's deadline)</td>
 *       <td>DEADLINE_EXCEEDED</td></tr>
 *   <tr><td>{@link ModelLoadException} (the version cannot be loaded)</td><td>FAILED_PRECONDITION</td></tr>
 *   <tr><td>{@link ModelExecutionException}</td><td>INTERNAL, with the model's message</td></tr>
 *   <tr><td>a cancelled prediction (the client cancelled)</td><td>CANCELLED</td></tr>
 *   <tr><td>anything else: a bug</td><td>INTERNAL, "internal error"</td></tr>
 * </table>
 *
 * Descriptions travel in a header ({@code grpc-message}), and clients refuse headers above 8 KiB by default, so
 * they are cut to {@link #MAX_DESCRIPTION_CHARS}.
 */
final class StatusMapping {
    /** The longest status description sent. */
    static final int MAX_DESCRIPTION_CHARS = 4096;

    /**
     * A mapped failure.
     *
     * @param status the status to close the call with
     * @param modelFailure the model failed while running (logged as a warning)
     * @param bug an unexpected failure (logged with its stack trace)
     */
    record Mapped(Status status, boolean modelFailure, boolean bug) {}

    private StatusMapping() {}

    static Mapped map(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof InvalidInputException) {
            return expected(Status.INVALID_ARGUMENT, t);
        }
        if (t instanceof ModelNotFoundException) {
            return expected(Status.NOT_FOUND, t);
        }
        if (t instanceof OverloadedException o) {
            // no default: a new reason (a memory budget, say) must choose its status here
            return expected(switch (o.reason()) {
                case QUEUE_FULL, MEMORY -> Status.RESOURCE_EXHAUSTED;
                case SHUTTING_DOWN -> Status.UNAVAILABLE;
            }, t);
        }
        if (t instanceof StateUnavailableException) {
            return expected(Status.UNAVAILABLE, t);
        }
        if (t instanceof DeadlineExceededException) {
            return expected(Status.DEADLINE_EXCEEDED, t);
        }
        if (t instanceof ModelLoadException) {
            return expected(Status.FAILED_PRECONDITION, t);
        }
        if (t instanceof ModelExecutionException) {
            return new Mapped(describe(Status.INTERNAL, t.getMessage()), true, false);
        }
        if (t instanceof CancellationException) {
            return new Mapped(Status.CANCELLED.withDescription("cancelled"), false, false);
        }
        if (t instanceof StatusRuntimeException s) {
            return new Mapped(s.getStatus(), false, false);
        }
        if (t instanceof StatusException s) {
            return new Mapped(s.getStatus(), false, false);
        }
        return new Mapped(Status.INTERNAL.withDescription("internal error").withCause(t), false, true);
    }

    private static Mapped expected(Status status, Throwable t) {
        return new Mapped(describe(status, t.getMessage()), false, false);
    }

    private static Status describe(Status status, String message) {
        return status.withDescription(message == null ? null : ClientText.truncate(message, MAX_DESCRIPTION_CHARS));
    }

    /**
     * The HTTP status the REST API answers for the same outcome: 200, 499 (the client went away, as nginx counts
     * it), 4xx for what the client must change, 5xx for what the server could not do.
     */
    static int httpEquivalent(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case CANCELLED -> 499;
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> 422;
            case OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case UNIMPLEMENTED -> 501;
            case RESOURCE_EXHAUSTED, UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
        };
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
