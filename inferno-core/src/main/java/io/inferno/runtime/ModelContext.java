package io.inferno.runtime;

import io.inferno.ModelLoadException;
import io.inferno.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

    /**
     * The artifact that model.yaml's {@code file} names (defaults included), checked for a runtime that reads one:
     * a regular file inside the version directory, also after following links.
     *
     * @throws ModelLoadException naming the file when it is not set, missing, not a regular file, or outside the
     *     version directory
     */
    public Path artifact() {
        String name = config.file().orElseThrow(() -> new ModelLoadException(resolve("model.yaml") + ": format "
                + config.format() + " needs a model file (file: in model.yaml)"));
        Path dir = directory.toAbsolutePath().normalize();
        Path file = dir.resolve(name).normalize();
        if (!file.startsWith(dir) || file.equals(dir)) {
            throw new ModelLoadException(file + ": model file '" + name + "' is outside the version directory " + dir);
        }
        if (!Files.exists(file)) {
            throw new ModelLoadException(file + ": model file not found (model.yaml file: " + name + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file + ": model file is not a regular file");
        }
        try {
            Path real = file.toRealPath();
            if (!real.startsWith(dir.toRealPath())) {
                throw new ModelLoadException(file + ": model file links to " + real
                        + ", outside the version directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
