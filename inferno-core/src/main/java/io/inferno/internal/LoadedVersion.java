package io.inferno.internal;

import io.inferno.repository.ModelPackage;
import io.inferno.runtime.Model;
import io.inferno.validation.RequestValidator;
import java.util.Objects;

/**
 * A model version that serves: its package as it was when loaded, the model, its batcher and its request validator.
 * A later change to the package's files on disk never touches a loaded version. The package's config always has a
 * signature: model.yaml's, or the one the runtime read from the artifact ({@code ModelLoader.servedConfig}).
 */
public record LoadedVersion(ModelPackage pkg, Model model, Batcher batcher, RequestValidator validator) {
    public LoadedVersion {
        Objects.requireNonNull(pkg, "pkg");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(batcher, "batcher");
        Objects.requireNonNull(validator, "validator");
    }

    public String name() {
        return pkg.name();
    }

    public long version() {
        return pkg.version();
    }
}
