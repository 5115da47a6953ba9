package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.Inferno;
import io.inferno.ModelExecutionException;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.Exposition;
import io.inferno.testing.ManualExecutor;
import io.inferno.testing.ReferenceCases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's attack on the sample classifier, through the engine and real libtorch: a token id of -8 makes
 * {@code forward} throw "index out of range in self". Batched with valid requests from other clients, it must fail
 * alone, and theirs must get the reference answers.
 *
 * <p>The batches run on a manual executor, on this thread: a first request holds the version's only slot while the
 * clients submit, so they all wait in the queue and form the next batch together.
 */
class PoisonRequestTest {
    private static final String MODEL = "my_classifier";

    /** A valid request: reference tokens and the probabilities the exporting PyTorch computed for them. */
    private record Valid(Tensor tokens, Tensor probs) {}

    /** Seven different valid requests of 16 tokens a row: the reference cases of that length, whole and in parts. */
    private static List<Valid> validRequests() {
        List<ReferenceCases.Case> sixteen = Samples.reference(MODEL, 1).stream()
                .filter(c -> c.inputs().get("tokens").shape().equals(Shape.of(c.rows(), 16))).toList();
        assertThat(sixteen).extracting(ReferenceCases.Case::rows).containsExactly(1L, 3L);
        ReferenceCases.Case one = sixteen.get(0);
        ReferenceCases.Case three = sixteen.get(1);
        List<Valid> valid = new ArrayList<>();
        valid.add(new Valid(one.inputs().get("tokens"), one.outputs().get("probs")));
        valid.add(new Valid(three.inputs().get("tokens"), three.outputs().get("probs")));
        for (long[] rows : new long[][] {{0, 1}, {1, 2}, {2, 3}, {0, 2}, {1, 3}}) {
            valid.add(new Valid(three.inputs().get("tokens").sliceRows(rows[0], rows[1]),
                    three.outputs().get("probs").sliceRows(rows[0], rows[1])));
        }
        return valid;
    }

    /** One row of 16 valid token ids, but for a -8 at position 3. */
    private static Tensor poison() {
        long[] ids = ReferenceCases.tokens(1, 16, 7).toLongArray();
        ids[3] = -8;
        return Tensor.ofLongs(Shape.of(1, 16), ids);
    }

    private static PredictRequest request(Tensor tokens) {
        return PredictRequest.builder(MODEL).input("tokens", tokens).timeout(Await.LIMIT).build();
    }

    @Test
    void aPoisonRequestBatchedWithValidOnesFailsAloneAndTheValidOnesGetTheReferenceAnswers() throws Exception {
        List<Valid> valid = validRequests();
        ManualExecutor batches = new ManualExecutor();
        try (Inferno inferno = Inferno.builder().repository(Samples.MODELS).preload(false).batchExecutor(batches)
                .build()) {
            Await.done(inferno.load(MODEL, 1));
            // Submitted while another request is announced, the holder waits for its batch to fill, and the latency
            // timer dispatches it to the batch executor (a request to an idle model would run on this thread).
            CompletableFuture<Prediction> holder;
            try (Inferno.Announcement another = inferno.announce(MODEL, OptionalLong.empty())) {
                holder = inferno.predict(request(ReferenceCases.tokens(1, 16, 1)));
                Await.until("the holder's batch dispatched", () -> batches.queued() == 1);
            }
            assertThat(batches.queued()).as("the holder's batch, not run yet: the only slot is taken").isEqualTo(1);

            // eight clients, one of them the attacker, submit at once; their requests queue behind the holder
            List<Tensor> inputs = new ArrayList<>();
            valid.forEach(v -> inputs.add(v.tokens()));
            inputs.add(poison());
            List<CompletableFuture<Prediction>> answers = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(inputs.size());
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<CompletableFuture<Prediction>>> submitted = new ArrayList<>();
                for (Tensor tokens : inputs) {
                    submitted.add(clients.submit(() -> {
                        Await.open(start, "start");
                        return inferno.predict(request(tokens));
                    }));
                }
                start.countDown();
                for (Future<CompletableFuture<Prediction>> s : submitted) {
                    answers.add(s.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
                }
            } finally {
                clients.shutdownNow();
            }
            assertThat(Exposition.text(inferno.metricsRegistry()))
                    .contains("infer_queue_depth{model=\"my_classifier\",version=\"1\"} 8.0");

            // the holder; its end dispatches the eight queued requests as one batch, which this executor thread
            // runs next, once the holder is answered: it fails, and is searched, here
            batches.runNext();
            assertThat(batches.queued()).isZero();

            Await.done(holder);
            Throwable failure = Await.failure(answers.get(7));
            assertThat(failure).isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model my_classifier:1 failed: RuntimeError: index out of range in self");
            for (int i = 0; i < valid.size(); i++) {
                Tensor probs = Await.done(answers.get(i)).output("probs");
                ReferenceCases.assertClose(probs, valid.get(i).probs(), "valid request " + i);
            }
            String metrics = Exposition.text(inferno.metricsRegistry());
            assertThat(metrics).as("the holder's batch, then one batch of 8 requests holding 12 rows")
                    .contains("infer_batch_size_count{model=\"my_classifier\"} 2",
                            "infer_batch_size_sum{model=\"my_classifier\"} 13.0");
            assertThat(metrics).as("8 requests, one poison among them: 2 re-runs per level, 2 log2(8)")
                    .contains("infer_batch_retries_total{model=\"my_classifier\"} 6.0",
                            "infer_isolated_failures_total{model=\"my_classifier\"} 1.0");
        }
    }
}
