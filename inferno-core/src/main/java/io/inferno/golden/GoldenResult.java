package io.inferno.golden;

import java.util.List;
import java.util.Objects;

/**
 * How a {@link GoldenCase} went: passed when {@link #problems()} is empty.
 *
 * @param goldenCase the example
 * @param problems what differs from the expectation, every problem found; empty when it passed
 */
public record GoldenResult(GoldenCase goldenCase, List<String> problems) {
    public GoldenResult {
        Objects.requireNonNull(goldenCase, "goldenCase");
        problems = List.copyOf(problems);
    }

    public boolean passed() {
        return problems.isEmpty();
    }

    /**
     * Throws when the example failed, for a test: JUnit, TestNG and AssertJ all report an {@link AssertionError}
     * as a failure.
     *
     * @throws AssertionError naming the example and every problem
     */
    public void assertPassed() {
        if (!passed()) {
            throw new AssertionError(describe());
        }
    }

    /** {@code golden example 'two_rows' (tests/two_rows): passed}, or the problems. */
    public String describe() {
        return "golden example '" + goldenCase.name() + "' (" + goldenCase.directory() + "): "
                + (passed() ? "passed" : String.join("; ", problems));
    }
}
