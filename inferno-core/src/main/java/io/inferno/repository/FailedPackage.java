package io.inferno.repository;

import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Something in a repository that is laid out as a model package but cannot be served: an invalid model.yaml, or a
 * symbolic link that leads outside the repository.
 *
 * @param model the model directory's name
 * @param version the version directory's number; empty when the whole model directory was refused
 * @param path what was refused: the model.yaml, the version directory or the model directory
 * @param reason why, in words for the operator (for a model.yaml, every problem joined with {@code "; "})
 */
public record FailedPackage(String model, OptionalLong version, Path path, String reason) {
    public FailedPackage {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(reason, "reason");
    }
}
