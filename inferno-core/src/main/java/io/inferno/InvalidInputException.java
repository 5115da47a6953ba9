package io.inferno;

import java.util.List;

/**
 * A request that is malformed or disagrees with the model's signature. Carries every problem found, so a
 * client fixes them in one round trip; the message joins them with {@code "; "}.
 */
public final class InvalidInputException extends InfernoException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidInputException(String problem) {
        this(List.of(problem));
    }

    public InvalidInputException(List<String> problems) {
        super(String.join("; ", requireSome(problems)));
        this.problems = List.copyOf(problems);
    }

    private static List<String> requireSome(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid input needs at least one problem");
        }
        return problems;
    }

    /** Each problem found, in the order found. */
    public List<String> problems() {
        return problems;
    }
}
