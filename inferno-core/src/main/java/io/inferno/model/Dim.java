package io.inferno.model;

import java.util.regex.Pattern;

/**
 * One dimension of a declared tensor shape: a fixed size, a symbolic name shared between tensors (such as
 * {@code batch} or {@code seq}), or any size ({@code -1} in model.yaml).
 *
 * <p>A leading symbolic {@code batch} dimension marks a tensor that can be batched along dimension 0.
 */
public sealed interface Dim {
    /** The name of the dimension that marks batchable tensors. */
    String BATCH_NAME = "batch";

    /** Any size; written {@code -1}. */
    Dim ANY = new Any();

    /** The symbolic {@code batch} dimension. */
    Dim BATCH = new Symbolic(BATCH_NAME);

    static Dim fixed(long size) {
        return new Fixed(size);
    }

    static Dim symbolic(String name) {
        return new Symbolic(name);
    }

    /** True for the symbolic {@code batch} dimension. */
    default boolean isBatch() {
        return this instanceof Symbolic s && s.name().equals(BATCH_NAME);
    }

    /** Whether a concrete size is acceptable for this dimension on its own (symbols are checked across inputs). */
    boolean admits(long size);

    /** A dimension of exactly {@code size}, which is zero or more. */
    record Fixed(long size) implements Dim {
        public Fixed {
            if (size < 0) {
                throw new IllegalArgumentException("a fixed dimension must be 0 or more, got " + size);
            }
        }

        @Override
        public boolean admits(long n) {
            return n == size;
        }

        @Override
        public String toString() {
            return Long.toString(size);
        }
    }

    /** A named dimension: every tensor of one request that uses the name must agree on its size. */
    record Symbolic(String name) implements Dim {
        private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

        public Symbolic {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "a symbolic dimension must match " + NAME.pattern() + ", got '" + name + "'");
            }
        }

        @Override
        public boolean admits(long n) {
            return true;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Any size. */
    record Any() implements Dim {
        @Override
        public boolean admits(long n) {
            return true;
        }

        @Override
        public String toString() {
            return "-1";
        }
    }
}
