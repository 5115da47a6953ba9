package io.inferno.runtime;

import io.inferno.ModelLoadException;
import io.inferno.model.FormatRules;

/**
 * A plug-in that loads models of one {@code format} (model.yaml). Runtimes are found with
 * {@link java.util.ServiceLoader} (list the class in {@code META-INF/services/io.inferno.runtime.ModelRuntime}) or
 * registered explicitly with {@link Runtimes.Builder#register}. A runtime owns its format: the engine accepts a
 * model.yaml of that format only when the runtime is available, and checks the format's own fields ({@code file},
 * {@code entrypoint}) with the runtime's {@link #formatRules()} while it scans the repository, before any load.
 *
 * <p>A runtime whose artifacts declare their inputs and outputs (ONNX graphs do) may let model.yaml leave
 * {@code signature} out: its rules say so ({@link FormatRules#withOptionalSignature()}), {@link #load} then gets a
 * config without signature ({@code ModelContext.config().signature()} is empty), and the model it returns reports
 * what it read from {@link Model#signature()}. The engine serves with that signature as if model.yaml had declared
 * it ({@link ModelLoader#servedConfig}). When model.yaml does declare one, the runtime should check the artifact
 * against it at load and refuse a disagreement with a {@link ModelLoadException} naming it.
 *
 * <p>A runtime is shared by every model of its format and must be thread-safe; loading runs on an engine thread,
 * possibly several loads at once.
 */
public interface ModelRuntime {

    /** The model.yaml {@code format} this runtime loads, for example {@code torchscript}. */
    String format();

    /**
     * The model.yaml rules of this format for {@code file} and {@code entrypoint}, applied when the repository is
     * scanned. The default: one artifact named by {@code file}, which is required, and no {@code entrypoint}
     * ({@link FormatRules#artifactFile()}). Called once, when the runtimes are built.
     */
    default FormatRules formatRules() {
        return FormatRules.artifactFile();
    }

    /**
     * Loads one model version.
     *
     * @throws ModelLoadException naming the file and the reason when the package cannot be loaded; any other
     *     exception is reported the same way by the engine
     */
    Model load(ModelContext context) throws Exception;
}
