package io.inferno.http;

import io.inferno.Inferno;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import java.io.IOException;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * How a prediction route submits a request and where its answer is encoded and written: never on a batch thread.
 *
 * <p>A prediction completes either on the request's own HTTP thread (the batcher was idle and ran the model there:
 * the future is done when {@code predict} returns) or on a batch thread, which answers every caller of its batch
 * one after another. Encoding a JSON answer there would make the last caller of a batch of 32 wait for 31
 * encodings, and the next batch with it; so in that case the batch thread only hands the answer to an HTTP
 * thread, which encodes and writes it (in parallel with the other callers' threads). A drain ends when every
 * prediction is answered, possibly before its answer is written: the server's stop waits for the requests in
 * flight (Jetty's {@code GracefulHandler}).
 */
final class Answers {
    private Answers() {}

    /** A decoded body: the request to submit, and the body, which the answer may need. */
    record Decoded<B>(B body, PredictRequest request) {}

    /** Decodes a route's body. */
    interface Decoder<B> {
        Decoded<B> decode() throws IOException;
    }

    /** A submitted prediction: the decoded body, which the answer may need, and the prediction's future. */
    record Submitted<B>(B body, CompletableFuture<Prediction> result) {}

    /**
     * Announces a request to the model (so a forming batch waits for it, docs/engine.md), decodes its body, then
     * submits it with its announcement, on this thread; the announcement is closed whatever happens.
     */
    static <B> Submitted<B> submit(Inferno inferno, String model, OptionalLong version, Decoder<B> decoder)
            throws IOException {
        Inferno.Announcement announced = inferno.announce(model, version);
        try (announced) {
            Decoded<B> decoded = decoder.decode();
            return new Submitted<>(decoded.body(), inferno.predict(decoded.request(), announced));
        }
    }

    /**
     * {@code result} answered with {@code respond}: right here when it is complete already (the batcher was idle
     * and ran the model on this thread, or refused the request), else on an {@code httpThreads} thread once it
     * completes.
     */
    static <T> CompletableFuture<Void> answer(CompletableFuture<T> result, Executor httpThreads,
            BiConsumer<T, Throwable> respond) {
        BiFunction<T, Throwable, Void> answer = (value, failure) -> {
            respond.accept(value, failure);
            return null;
        };
        return result.isDone() ? result.handle(answer) : result.handleAsync(answer, httpThreads);
    }
}
