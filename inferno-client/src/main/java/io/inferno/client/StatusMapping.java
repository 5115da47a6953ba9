package io.inferno.client;

import io.inferno.DeadlineExceededException;
import io.inferno.InfernoException;
import io.inferno.InvalidInputException;
import io.inferno.ModelExecutionException;
import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.OverloadedException;
import io.inferno.StateUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place where the client turns an error answer back into core's exception: the inverse of the server's
 * {@code io.inferno.http.ErrorMapping} (docs/api.md, "Status codes"), which a test keeps it equal to.
 *
 * <table>
 *   <caption>exception by status</caption>
 *   <tr><td>404</td><td>{@link ModelNotFoundException}</td></tr>
 *   <tr><td>422</td><td>{@link ModelLoadException} for an admin load, else {@link InvalidInputException} with the
 *       problems the server listed</td></tr>
 *   <tr><td>500</td><td>{@link ModelExecutionException}, with the model's message</td></tr>
 *   <tr><td>503</td><td>{@link StateUnavailableException} when the shared state store is unreachable, else
 *       {@link OverloadedException} (its reason read from the message: queue full, memory, shutting down)</td></tr>
 *   <tr><td>504</td><td>{@link DeadlineExceededException}</td></tr>
 *   <tr><td>any other</td><td>{@link InfernoHttpException} with the status</td></tr>
 * </table>
 */
final class StatusMapping {
    /** What a call does, where one status means different failures. */
    enum Operation {
        PREDICT, READ, LOAD, UNLOAD
    }

    /** The server's last problem when it stopped listing them (InvalidInputException's bound). */
    private static final Pattern MORE_PROBLEMS = Pattern.compile("and (\\d+) more problems?");
    /** How the state store's failures start (io.inferno.redis.RedisLink). */
    static final String STATE_UNAVAILABLE = "shared state unavailable";

    private StatusMapping() {}

    /**
     * The exception of an error answer.
     *
     * @param detail the body's {@code detail}
     * @param problems the body's {@code problems} (a 422 for an invalid request lists them), else empty
     */
    static InfernoException exception(int status, String detail, List<String> problems, Operation operation) {
        return switch (status) {
            case 404 -> new ModelNotFoundException(detail);
            case 422 -> operation == Operation.LOAD ? new ModelLoadException(detail) : invalidInput(detail, problems);
            case 500 -> new ModelExecutionException(detail, null);
            case 503 -> detail.startsWith(STATE_UNAVAILABLE)
                    ? new StateUnavailableException(detail, null)
                    : new OverloadedException(overloadReason(detail), detail);
            case 504 -> new DeadlineExceededException(detail);
            default -> new InfernoHttpException(status, detail);
        };
    }

    /**
     * The problems the server listed (or its detail as one problem, if it listed none), its count of those it left
     * out kept as a count, so that the exception's message is the server's detail again.
     */
    static InvalidInputException invalidInput(String detail, List<String> listed) {
        List<String> problems = new ArrayList<>(listed.isEmpty() ? List.of(detail) : listed);
        int omitted = 0;
        Matcher more = MORE_PROBLEMS.matcher(problems.get(problems.size() - 1));
        if (problems.size() > 1 && more.matches()) {
            try {
                omitted = Integer.parseInt(more.group(1));
                problems.remove(problems.size() - 1);
            } catch (NumberFormatException huge) {
                omitted = 0; // keep it as the text it is
            }
        }
        return new InvalidInputException(problems, omitted);
    }

    private static OverloadedException.Reason overloadReason(String detail) {
        if (detail.contains("queue is full")) {
            return OverloadedException.Reason.QUEUE_FULL;
        }
        if (detail.contains("MAX_INFLIGHT_BYTES")) {
            return OverloadedException.Reason.MEMORY;
        }
        return OverloadedException.Reason.SHUTTING_DOWN;
    }
}
