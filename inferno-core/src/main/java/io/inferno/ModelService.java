package io.inferno;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * What an application asks of Inferno, whether it runs in process ({@link Inferno}) or remotely (the
 * {@code InfernoClient} of {@code inferno-client}, over the REST API). Code written against this interface moves
 * between the two by changing the line that creates the instance:
 *
 * <pre>{@code
 * ModelService models = Inferno.builder().repository(Path.of("models")).build();
 * // ModelService models = InfernoClient.builder(URI.create("http://inferno:8000")).build();
 * Prediction p = models.predict(PredictRequest.of("torchscript", Map.of("x", x))).join();
 * }</pre>
 *
 * <p>Every method answers through its future and never throws for a failure of the call itself; the future fails
 * with the same {@link InfernoException} subclass in both cases ({@link ModelNotFoundException},
 * {@link InvalidInputException}, {@link OverloadedException}, ...).
 */
public interface ModelService {
    /**
     * Makes a prediction. Fails with {@link InvalidInputException} (the request disagrees with the signature),
     * {@link ModelNotFoundException}, {@link OverloadedException} (queue full or shutting down),
     * {@link DeadlineExceededException} (waited longer than its timeout) or {@link ModelExecutionException}.
     */
    CompletableFuture<Prediction> predict(PredictRequest request);

    /**
     * Metadata and signature of a model version: the active one when {@code version} is empty. Fails with
     * {@link ModelNotFoundException} for an unknown model or a version that is not loaded.
     */
    CompletableFuture<ModelDescription> describe(String name, OptionalLong version);

    /**
     * Loads a version (if needed) and makes it active; completes when it serves. Fails with
     * {@link ModelNotFoundException} (not on disk), {@link ModelLoadException} (invalid package),
     * {@link StateUnavailableException} or {@link OverloadedException}.
     */
    CompletableFuture<Void> load(String name, long version);

    /**
     * Unloads a version once its accepted requests are answered. Fails with {@link ModelNotFoundException} when
     * the version is not loaded.
     */
    CompletableFuture<Void> unload(String name, long version);
}
