package io.inferno.runtime;

import io.inferno.model.ModelConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a runtime (or a Java-entrypoint model's constructor or factory) gets to load one model version.
 *
 * @param directory the version directory, {@code <repo>/<name>/<version>}, holding model.yaml and the artifact
 * @param config the parsed model.yaml
 * @param options process-wide runtime settings (device, threads)
 */
public record ModelContext(Path directory, ModelConfig config, RuntimeOptions options) {
    public ModelContext {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(options, "options");
    }

    /** A file in the version directory. */
    public Path resolve(String fileName) {
        return directory.resolve(fileName);
    }
}
