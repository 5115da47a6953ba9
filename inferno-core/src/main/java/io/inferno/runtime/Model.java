package io.inferno.runtime;

import io.inferno.model.Signature;
import io.inferno.tensor.Tensor;
import java.util.Map;
import java.util.Optional;

/**
 * A loaded model version that runs one batch at a time: named input tensors in, named output tensors out.
 *
 * <p>This is what a {@link ModelRuntime} returns, and what a Java-entrypoint model implements
 * ({@code format: java} in model.yaml). The engine guarantees:
 * <ul>
 *   <li>{@code inputs} hold every required input of the signature (and the optional ones the request sent), in
 *       signature order, already validated; batched inputs carry the batch's rows along dimension 0;
 *   <li>{@link #predict} is called from at most {@code max_concurrency} threads at once, never after
 *       {@link #close} has started;
 *   <li>{@link #close} is called once, after the last {@link #predict} has returned.
 * </ul>
 * In return, {@link #predict} returns every declared output (extra entries are ignored), each with the batch's row
 * count along dimension 0 for batched outputs. An exception thrown by {@link #predict} fails only requests of that
 * batch: when the batch held several requests, the engine runs parts of it again to find those that make it fail,
 * and only they fail, each with the exception's message from its own run (docs/engine.md, "A poison request fails
 * alone"). So {@link #predict} may see the same rows more than once, and should answer a row the same whatever else
 * is in its batch.
 */
public interface Model extends AutoCloseable {

    /** Runs one batch. */
    Map<String, Tensor> predict(Map<String, Tensor> inputs) throws Exception;

    /**
     * The signature this model read from its artifact, for a format whose model.yaml may leave {@code signature}
     * out ({@link io.inferno.model.FormatRules#signatureOptional()}); empty by default.
     *
     * <p>When model.yaml has no signature, the engine serves with this one: {@link ModelLoader} checks the model
     * against it (warmup or dry run, outputs), requests are validated against it, and describing the version
     * shows it. A runtime that reads it must name a leading dimension that varies {@code batch}, so that the model
     * can batch. When model.yaml declares a signature, the declared one is served, and the runtime should have
     * checked at load that the artifact agrees with it. Called on the loading thread after the runtime's load,
     * before any prediction; it must return the same signature every time.
     */
    default Optional<Signature> signature() {
        return Optional.empty();
    }

    /**
     * Whether {@link ModelLoader} should run this model at the batch sizes the batcher forms before it serves
     * (false by default). A runtime whose first runs are slow, such as libtorch while its graph optimizer
     * specializes, returns true, so that the load pays for those runs instead of the first requests. The loader
     * then runs the first warmup sample (or the dry run) with its first row repeated to each size of
     * {@link ModelLoader#warmupBatchSizes}, {@link ModelLoader#WARMUP_RUNS_PER_SIZE} times each, after the signature
     * check, on the loading thread. Called once, after that check.
     */
    default boolean warmsUpBatchSizes() {
        return false;
    }

    /** Frees everything the model holds (native memory, threads, class loaders). The default does nothing. */
    @Override
    default void close() throws Exception {}
}
