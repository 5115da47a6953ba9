package io.inferno;

import java.nio.file.Path;
import java.util.List;

/**
 * A model.yaml that cannot be accepted, or a version's golden examples that cannot be read
 * (docs/testing-models.md). Each problem names the field path (or the example's file) and the offending value; the
 * message starts with the file (for golden examples, the version's {@code tests} directory).
 */
public final class ModelConfigException extends ModelLoadException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final List<String> problems;

    public ModelConfigException(Path file, List<String> problems) {
        super(file + ": " + String.join("; ", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a config error needs at least one problem");
        }
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    /** The model.yaml that was rejected (the {@code tests} directory, for golden examples). */
    public Path file() {
        return file;
    }

    /** Each problem, as {@code <field path>: <what is wrong>}. */
    public List<String> problems() {
        return problems;
    }
}
