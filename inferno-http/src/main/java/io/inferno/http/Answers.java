package io.inferno.http;

import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Where an answer to a prediction is encoded and written: never on a batch thread.
 *
 * <p>A prediction completes either on the request's own HTTP thread (the batcher was idle and ran the model there:
 * the future is done when {@code predict} returns) or on a batch thread, which answers every caller of its batch
 * one after another. Encoding a JSON answer there would make the last caller of a batch of 32 wait for 31
 * encodings, and the next batch with it; so in that case the batch thread only hands the answer to an HTTP
 * thread, which encodes and writes it (in parallel with the other callers' threads).
 */
final class Answers {
    private Answers() {}

    /**
     * Answers {@code result} with {@code respond}: right here when it is complete already, else on an
     * {@code httpThreads} thread once it completes (through Javalin's async response).
     */
    static <T> void answer(Context ctx, CompletableFuture<T> result, Executor httpThreads,
            BiConsumer<T, Throwable> respond) {
        if (result.isDone()) {
            result.handle((value, failure) -> {
                respond.accept(value, failure);
                return null;
            });
            return;
        }
        ctx.future(() -> result.handleAsync((value, failure) -> {
            respond.accept(value, failure);
            return null;
        }, httpThreads));
    }
}
