package io.inferno.runtime;

import io.inferno.ModelLoadException;

/**
 * A plug-in that loads models of one {@code format} (model.yaml). Runtimes are found with
 * {@link java.util.ServiceLoader} (list the class in {@code META-INF/services/io.inferno.runtime.ModelRuntime}) or
 * registered explicitly with {@link Runtimes.Builder#register}.
 *
 * <p>A runtime is shared by every model of its format and must be thread-safe; loading runs on an engine thread,
 * possibly several loads at once.
 */
public interface ModelRuntime {

    /** The model.yaml {@code format} this runtime loads, for example {@code torchscript}. */
    String format();

    /**
     * Loads one model version.
     *
     * @throws ModelLoadException naming the file and the reason when the package cannot be loaded; any other
     *     exception is reported the same way by the engine
     */
    Model load(ModelContext context) throws Exception;
}
