package io.inferno.model;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A model's declared inputs and outputs, in declaration order. Input order is the order in which positional
 * runtimes (TorchScript's {@code forward}) receive them.
 */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    public Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a signature needs at least one output");
        }
        requireUniqueNames(inputs, "input");
        requireUniqueNames(outputs, "output");
        for (TensorSpec o : outputs) {
            if (o.optional()) {
                throw new IllegalArgumentException("output '" + o.name() + "' cannot be optional");
            }
        }
    }

    private static void requireUniqueNames(List<TensorSpec> specs, String kind) {
        Set<String> seen = new HashSet<>();
        for (TensorSpec s : specs) {
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("duplicate " + kind + " name '" + s.name() + "'");
            }
        }
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Input names sorted alphabetically, comma separated, as quoted in error messages. */
    public String inputNamesText() {
        return inputs.stream().map(TensorSpec::name).sorted().collect(Collectors.joining(", "));
    }

    /** Output names sorted alphabetically, comma separated, as quoted in error messages. */
    public String outputNamesText() {
        return outputs.stream().map(TensorSpec::name).sorted().collect(Collectors.joining(", "));
    }

    /**
     * True when every output has a leading {@code batch} dimension, so that a batch's outputs can be split back
     * by rows; models without it run with batching off.
     */
    public boolean outputsBatched() {
        return outputs.stream().allMatch(TensorSpec::batched);
    }
}
