package io.inferno;

import io.inferno.text.ClientText;
import java.util.ArrayList;
import java.util.List;

/**
 * A request that is malformed or disagrees with the model's signature. Carries every problem found (up to a
 * bound), so a client fixes them in one round trip; the message joins them with {@code "; "}.
 */
public final class InvalidInputException extends InfernoException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidInputException(String problem) {
        this(List.of(problem));
    }

    public InvalidInputException(List<String> problems) {
        this(problems, 0);
    }

    /**
     * Problems found, of which the first {@link #MAX_PROBLEMS} are kept (each cut to {@link #MAX_PROBLEM_CHARS});
     * the rest, and {@code omitted} more that the caller stopped collecting, are counted in a last problem
     * {@code and N more problems}. So the message stays small whatever a request holds.
     */
    public InvalidInputException(List<String> problems, int omitted) {
        this(bounded(problems, omitted));
    }

    private InvalidInputException(Bounded b) {
        super(String.join("; ", b.problems));
        this.problems = b.problems;
    }

    /** How many problems are listed at most. */
    public static final int MAX_PROBLEMS = 20;
    /** How long one listed problem is at most. */
    public static final int MAX_PROBLEM_CHARS = 300;

    private record Bounded(List<String> problems) {}

    private static Bounded bounded(List<String> problems, int omitted) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid input needs at least one problem");
        }
        if (omitted < 0) {
            throw new IllegalArgumentException("omitted must be 0 or more, got " + omitted);
        }
        int kept = Math.min(problems.size(), MAX_PROBLEMS);
        List<String> out = new ArrayList<>(kept + 1);
        for (int i = 0; i < kept; i++) {
            out.add(ClientText.truncate(problems.get(i), MAX_PROBLEM_CHARS));
        }
        long more = (long) problems.size() - kept + omitted;
        if (more > 0) {
            out.add("and " + more + " more problem" + (more == 1 ? "" : "s"));
        }
        return new Bounded(List.copyOf(out));
    }

    /** Each problem found, in the order found (at most {@link #MAX_PROBLEMS}, then a count of the rest). */
    public List<String> problems() {
        return problems;
    }
}
