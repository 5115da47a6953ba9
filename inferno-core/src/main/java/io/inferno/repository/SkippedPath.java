package io.inferno.repository;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An entry of a repository that is not a model package, such as a README, a hidden directory or a directory named
 * {@code v1}; it was never read.
 */
public record SkippedPath(Path path, String reason) {
    public SkippedPath {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(reason, "reason");
    }
}
