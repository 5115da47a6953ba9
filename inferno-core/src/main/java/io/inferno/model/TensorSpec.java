package io.inferno.model;

import io.inferno.tensor.DType;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A declared input or output of a model: name, dtype, shape (fixed, symbolic or any dimensions) and, for inputs,
 * whether it may be left out.
 */
public record TensorSpec(String name, DType dtype, List<Dim> shape, boolean optional) {
    /** Tensor names: a letter, digit or {@code _}, then letters, digits, {@code _ . : / -}. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]*");

    public TensorSpec {
        Objects.requireNonNull(dtype, "dtype");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a tensor name must match " + NAME.pattern() + ", got '" + name + "'");
        }
        shape = List.copyOf(shape);
    }

    /** A required tensor. */
    public static TensorSpec of(String name, DType dtype, Dim... shape) {
        return new TensorSpec(name, dtype, List.of(shape), false);
    }

    public int rank() {
        return shape.size();
    }

    /** True when dimension 0 is the symbolic {@code batch} dimension. */
    public boolean batched() {
        return !shape.isEmpty() && shape.get(0).isBatch();
    }

    /** The declared shape as written in model.yaml, for example {@code [batch, seq, 4]}. */
    public String shapeText() {
        return shape.toString();
    }
}
