package io.inferno.repository;

import io.inferno.model.ModelConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One model version found in a repository: its parsed model.yaml and its version directory.
 *
 * @param config the parsed and validated model.yaml
 * @param directory the version directory, {@code <root>/<name>/<version>}, under the repository's real root
 */
public record ModelPackage(ModelConfig config, Path directory) {
    public ModelPackage {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(directory, "directory");
    }

    public String name() {
        return config.name();
    }

    public long version() {
        return config.version();
    }

    /** The artifact a runtime loads, for formats that read one; its existence is checked at load. */
    public Optional<Path> artifact() {
        return config.file().map(directory::resolve);
    }
}
