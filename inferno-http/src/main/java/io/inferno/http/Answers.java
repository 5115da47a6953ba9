package io.inferno.http;

import io.inferno.Inferno;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * Where an answer to a prediction is encoded and written: never on a batch thread.
 *
 * <p>A prediction completes either on the request's own HTTP thread (the batcher was idle and ran the model there:
 * the future is done when {@code predict} returns) or on a batch thread, which answers every caller of its batch
 * one after another. Encoding a JSON answer there would make the last caller of a batch of 32 wait for 31
 * encodings, and the next batch with it; so in that case the batch thread only hands the answer to an HTTP
 * thread, which encodes and writes it (in parallel with the other callers' threads).
 *
 * <p>The routes submit a prediction on the request's thread. An answer that is complete when {@code predict}
 * returns is written right away, as a synchronous response, skipping Javalin's asynchronous path (start, future
 * stages, complete: about 7 µs of CPU per request at one connection, profiled). Otherwise the request becomes
 * asynchronous ({@code ctx.future}) and the answer's continuation is attached inside the future's supplier, which
 * Javalin calls once the request is asynchronous, so an answer never races the switch. Jetty's servlet layer
 * ignores idle timeouts while a request is being handled or waits asynchronously, so neither a model running on
 * the request's thread nor one running on a batch thread is cut by it. A drain ends when every
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

    /** Writes a route's answer to a prediction. */
    interface Responder<B> {
        void respond(B body, Prediction prediction) throws IOException;
    }

    /**
     * A predict route: announces the request to the model (so a forming batch waits for it, docs/engine.md), decodes
     * its body, then submits it with its announcement, on this thread. When the prediction is complete already (the
     * batcher was idle and ran the model on this thread, or refused the request) it is answered right here, as a
     * plain synchronous request; otherwise the request becomes asynchronous and is answered as {@link #answer}
     * says. Failures go to {@code error}.
     */
    static <B> void predict(Context ctx, Inferno inferno, String model, OptionalLong version, Executor httpThreads,
            BiConsumer<Context, Throwable> error, Decoder<B> decoder, Responder<B> responder) throws IOException {
        Submitted<B> submitted = submit(inferno, model, version, decoder);
        CompletableFuture<Prediction> result = submitted.result();
        BiConsumer<Prediction, Throwable> respond = (prediction, failure) -> {
            if (failure != null) {
                error.accept(ctx, failure);
                return;
            }
            try {
                responder.respond(submitted.body(), prediction);
            } catch (IOException | RuntimeException e) {
                error.accept(ctx, e);
            }
        };
        if (result.isDone()) {
            // no asynchronous machinery for an answer that is here already (the common case at light load)
            answer(result, httpThreads, respond);
        } else {
            // the continuation is attached once the request is asynchronous, so it never writes before that
            ctx.future(() -> answer(result, httpThreads, respond));
        }
    }

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
     * The future to give Javalin: {@code result} answered with {@code respond}, right here when it is complete
     * already, else on an {@code httpThreads} thread once it completes.
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
