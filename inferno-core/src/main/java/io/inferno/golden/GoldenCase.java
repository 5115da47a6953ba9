package io.inferno.golden;

import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One golden example of a model version: a request and what it must give, read from
 * {@code <version>/tests/<name>/request.json} and {@code expected.json} by {@link GoldenCases#read}. The
 * expectation is either outputs, compared with a {@link Tolerance}, or an error whose message contains a text.
 *
 * @param name the example's directory name
 * @param directory the example's directory
 * @param inputs the request's inputs, in the order of request.json
 * @param outputs the request's output selection, or empty for every output
 * @param expectedOutputs the outputs to compare, by name; empty exactly when {@code expectedError} is present
 * @param expectedError text the error's message must contain, when the request must fail
 * @param tolerance how far floating-point outputs may be from {@code expectedOutputs}
 */
public record GoldenCase(String name, Path directory, Map<String, Tensor> inputs, Optional<List<String>> outputs,
        Map<String, Tensor> expectedOutputs, Optional<String> expectedError, Tolerance tolerance) {

    public GoldenCase {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(tolerance, "tolerance");
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = outputs.map(List::copyOf);
        expectedOutputs = Collections.unmodifiableMap(new LinkedHashMap<>(expectedOutputs));
        Objects.requireNonNull(expectedError, "expectedError");
        if (expectedOutputs.isEmpty() == expectedError.isEmpty()) {
            throw new IllegalArgumentException("a golden example expects either outputs or an error, got "
                    + (expectedOutputs.isEmpty() ? "neither" : "both"));
        }
    }

    /** The result of this example when the prediction answered {@code actual}. */
    public GoldenResult resultOf(Map<String, Tensor> actual) {
        Objects.requireNonNull(actual, "actual");
        if (expectedError.isPresent()) {
            return new GoldenResult(this, List.of("expected an error containing '" + expectedError.get()
                    + "', but the prediction succeeded with outputs " + String.join(", ", actual.keySet())));
        }
        List<String> problems = new ArrayList<>();
        expectedOutputs.forEach((output, expected) -> {
            Tensor got = actual.get(output);
            if (got == null) {
                problems.add("output '" + output + "' is missing; the prediction returned "
                        + (actual.isEmpty() ? "nothing" : String.join(", ", actual.keySet())));
            } else {
                OutputComparison.compare(output, expected, got, tolerance).ifPresent(problems::add);
            }
        });
        return new GoldenResult(this, problems);
    }

    /** The result of this example when the prediction failed with {@code failure}. */
    public GoldenResult resultOf(RuntimeException failure) {
        Objects.requireNonNull(failure, "failure");
        String message = String.valueOf(failure.getMessage());
        if (expectedError.isPresent() && message.contains(expectedError.get())) {
            return new GoldenResult(this, List.of());
        }
        String got = failure.getClass().getSimpleName() + ": " + message;
        return new GoldenResult(this, List.of(expectedError.isPresent()
                ? "expected an error containing '" + expectedError.get() + "', got " + got
                : "the prediction failed: " + got));
    }
}
