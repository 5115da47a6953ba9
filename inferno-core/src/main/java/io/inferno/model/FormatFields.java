package io.inferno.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The format-specific values of a model.yaml, as its format's {@link FormatRules} resolved them: the artifact
 * {@code file} that the runtime reads and the {@code entrypoint} that it runs. A format uses one, both or neither.
 *
 * @param file the artifact's file name inside the version directory; empty when the format reads none
 * @param entrypoint what the runtime runs, such as a Java class name; empty when the format takes none
 */
public record FormatFields(Optional<String> file, Optional<String> entrypoint) {
    /** No artifact and no entrypoint. */
    public static final FormatFields NONE = new FormatFields(Optional.empty(), Optional.empty());

    public FormatFields {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(entrypoint, "entrypoint");
        if (file.filter(String::isBlank).isPresent() || entrypoint.filter(String::isBlank).isPresent()) {
            throw new IllegalArgumentException("file and entrypoint must not be blank, got " + file + " and "
                    + entrypoint);
        }
    }

    /** An artifact file and no entrypoint. */
    public static FormatFields ofFile(String file) {
        return new FormatFields(Optional.of(file), Optional.empty());
    }

    /** An entrypoint and no artifact file. */
    public static FormatFields ofEntrypoint(String entrypoint) {
        return new FormatFields(Optional.empty(), Optional.of(entrypoint));
    }
}
