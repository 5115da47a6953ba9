package io.inferno.internal;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.DeadlineExceededException;
import io.inferno.ModelExecutionException;
import io.inferno.OverloadedException;
import io.inferno.runtime.Model;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.FakeTicker;
import io.inferno.testing.ManualExecutor;
import io.inferno.testing.ManualScheduler;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The batcher's rules, driven deterministically: a fake clock, timers that fire only when the test advances it,
 * and an executor whose batches run only when the test says so.
 *
 * <p>This thread runs the executor and the timers, so an answer that is not given by the time it is checked never
 * will be: answers are checked without waiting ({@link #NO_WAIT}), never with an unbounded {@code get()} that
 * would block the one thread able to give them.
 */
class BatcherTest {
    private static final Duration NO_WAIT = Duration.ZERO;

    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final ManualExecutor executor = new ManualExecutor();
    private final RecordingModel model = new RecordingModel();
    private final List<String> events = new ArrayList<>();

    private Batcher batcher(int maxBatchSize, long latencyMs, int maxQueue, int concurrency) {
        return batcher(new Batcher.Settings(maxBatchSize, MILLISECONDS.toNanos(latencyMs), maxQueue, concurrency),
                executor);
    }

    /** A batcher whose idle callers run their batches on their own threads. */
    private Batcher callerRunsBatcher(int maxBatchSize, long latencyMs, int concurrency, Executor batchExecutor) {
        return batcher(new Batcher.Settings(maxBatchSize, MILLISECONDS.toNanos(latencyMs), 100, concurrency, true),
                batchExecutor);
    }

    private Batcher batcher(Batcher.Settings settings, Executor batchExecutor) {
        return new Batcher("m:1", model, settings, ticker, scheduler, batchExecutor, new BatcherListener() {
                    @Override
                    public void rejected(OverloadedException.Reason reason) {
                        events.add("rejected " + reason);
                    }

                    @Override
                    public void expired() {
                        events.add("expired");
                    }

                    @Override
                    public void batchStarted(int requests, long rows, long[] queueNanos) {
                        events.add("batch " + requests + "/" + rows);
                    }

                    @Override
                    public void batchRerun(int requests, long rows, boolean succeeded) {
                        events.add("rerun " + requests + "/" + rows + (succeeded ? " ok" : " failed"));
                    }

                    @Override
                    public void failureIsolated() {
                        events.add("isolated");
                    }
                });
    }

    /**
     * Doubles {@code x} into {@code y}, and echoes {@code x} as {@code z}; records each batch's rows. A negative value
     * in any row fails the whole batch, naming the first one (a poison request); {@link #broken} fails every batch.
     * {@link #duringRun} runs inside each call, before it answers.
     */
    static final class RecordingModel implements Model {
        final List<float[]> batches = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>(); // the thread of each call
        volatile boolean broken;
        volatile Runnable duringRun = () -> {};

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            Tensor x = inputs.get("x");
            float[] v = x.toFloatArray();
            batches.add(v.clone());
            threads.add(Thread.currentThread());
            duringRun.run();
            if (broken) {
                throw new IllegalStateException("the model is broken");
            }
            for (float f : v) {
                if (f < 0) {
                    throw new IllegalStateException("negative input " + f);
                }
            }
            for (int i = 0; i < v.length; i++) {
                v[i] *= 2;
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("y", Tensor.ofFloats(x.shape(), v));
            out.put("z", x);
            return out;
        }
    }

    private static Tensor rows(float... firstColumn) {
        float[] v = new float[firstColumn.length * 2];
        for (int i = 0; i < firstColumn.length; i++) {
            v[2 * i] = firstColumn[i];
            v[2 * i + 1] = firstColumn[i] + 0.5f;
        }
        return Tensor.ofFloats(Shape.of(firstColumn.length, 2), v);
    }

    private CompletableFuture<Map<String, Tensor>> submit(Batcher b, Object key, float... firstColumn) {
        return submitWithTimeout(b, key, 1000, firstColumn);
    }

    private CompletableFuture<Map<String, Tensor>> submitWithTimeout(Batcher b, Object key, long timeoutMs,
            float... firstColumn) {
        return b.submit(Map.of("x", rows(firstColumn)), key, firstColumn.length, List.of("y"),
                ticker.read() + MILLISECONDS.toNanos(timeoutMs));
    }

    private static Map<String, Tensor> answer(CompletableFuture<Map<String, Tensor>> f) {
        return assertThat(f).succeedsWithin(NO_WAIT).actual();
    }

    private static float[] y(CompletableFuture<Map<String, Tensor>> f) {
        return answer(f).get("y").toFloatArray();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThat(f).failsWithin(NO_WAIT).withThrowableOfType(ExecutionException.class).actual().getCause();
    }

    /** One one-row request per value, submitted while another request is announced: they all share one batch. */
    private List<CompletableFuture<Map<String, Tensor>>> oneBatch(Batcher b, float... values) {
        List<CompletableFuture<Map<String, Tensor>>> requests = new ArrayList<>();
        try (var arrival = b.announce()) {
            for (float v : values) {
                requests.add(submit(b, "k", v));
            }
        }
        return requests;
    }

    /** The first column of each batch the model ran, in order: which requests each run held. */
    private List<List<Float>> runs() {
        List<List<Float>> runs = new ArrayList<>();
        for (float[] batch : model.batches) {
            List<Float> firstColumn = new ArrayList<>();
            for (int i = 0; i < batch.length; i += 2) {
                firstColumn.add(batch[i]);
            }
            runs.add(firstColumn);
        }
        return runs;
    }

    private static void assertDoubled(CompletableFuture<Map<String, Tensor>> f, float v) {
        assertThat(y(f)).containsExactly(2 * v, 2 * v + 1);
    }

    /** Whether the referent becomes unreachable: a bounded number of full collections, no sleeping. */
    private static boolean collected(WeakReference<?> ref) {
        for (int i = 0; i < 20 && ref.get() != null; i++) {
            System.gc();
        }
        return ref.get() == null;
    }

    @Test
    void runsAtOnceWhenASlotIsFreeAndNothingIsArriving() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        var f = submit(b, "k", 1);
        assertThat(executor.queued()).as("dispatched without waiting for the latency").isEqualTo(1);
        executor.runAll();
        assertThat(y(f)).containsExactly(2, 3);
    }

    @Test
    void dispatchesWhenTheBatchIsFull() throws Exception {
        Batcher b = batcher(4, 50, 100, 1);
        try (var arrival = b.announce()) { // another request is on its way: worth waiting for
            var fs = List.of(submit(b, "k", 1), submit(b, "k", 2), submit(b, "k", 3));
            assertThat(executor.queued()).isZero();
            var last = submit(b, "k", 4);
            assertThat(executor.queued()).isEqualTo(1);
            executor.runAll();
            assertThat(events).containsExactly("batch 4/4");
            assertThat(y(fs.get(1))).containsExactly(4, 5);
            assertThat(y(last)).containsExactly(8, 9);
        }
    }

    @Test
    void dispatchesWhenTheOldestRequestHasWaitedTheMaxLatency() throws Exception {
        Batcher b = batcher(8, 10, 100, 1);
        var arrival = b.announce();
        var first = submit(b, "k", 1);
        scheduler.advance(4, MILLISECONDS);
        var second = submit(b, "k", 2);
        scheduler.advance(5, MILLISECONDS);
        assertThat(executor.queued()).isZero();
        scheduler.advance(1, MILLISECONDS);
        assertThat(executor.queued()).isEqualTo(1);
        executor.runAll();
        assertThat(events).containsExactly("batch 2/2");
        assertThat(y(first)).containsExactly(2, 3);
        assertThat(y(second)).containsExactly(4, 5);
        arrival.close();
    }

    @Test
    void dispatchesEarlyWhenTheAnnouncedRequestIsAbandoned() {
        Batcher b = batcher(8, 50, 100, 1);
        var arrival = b.announce();
        submit(b, "k", 1);
        assertThat(executor.queued()).isZero();
        arrival.close();
        arrival.close(); // idempotent
        assertThat(executor.queued()).isEqualTo(1);
    }

    @Test
    void requestsAccumulateWhileEverySlotIsBusy() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        var first = submit(b, "k", 1);
        var more = List.of(submit(b, "k", 2), submit(b, "k", 3), submit(b, "k", 4));
        assertThat(executor.queued()).isEqualTo(1);
        executor.runNext(); // the first batch finishes, and the next one forms at once from the queue
        assertThat(executor.queued()).isEqualTo(1);
        executor.runAll();
        assertThat(events).containsExactly("batch 1/1", "batch 3/3");
        assertThat(y(first)).containsExactly(2, 3);
        assertThat(y(more.get(2))).containsExactly(8, 9);
    }

    @Test
    void runsUpToMaxConcurrencyBatchesAtOnce() {
        Batcher b = batcher(8, 50, 100, 2);
        submit(b, "k", 1);
        submit(b, "k", 2);
        submit(b, "k", 3);
        assertThat(executor.queued()).isEqualTo(2);
        assertThat(b.queueDepth()).isEqualTo(1);
    }

    @Test
    void neverMixesRequestsWithDifferentBatchKeys() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        submit(b, "busy", 0);
        var a1 = submit(b, "a", 1);
        var b1 = submit(b, "b", 10);
        var a2 = submit(b, "a", 2);
        executor.runAll();
        assertThat(events).containsExactly("batch 1/1", "batch 2/2", "batch 1/1");
        assertThat(model.batches.get(1)).containsExactly(1, 1.5f, 2, 2.5f);
        assertThat(model.batches.get(2)).containsExactly(10, 10.5f);
        assertThat(y(a2)).containsExactly(4, 5);
        assertThat(y(b1)).containsExactly(20, 21);
        assertThat(y(a1)).containsExactly(2, 3);
    }

    @Test
    void keepsRowsPerBatchWithinTheMaxBatchSize() throws Exception {
        Batcher b = batcher(4, 50, 100, 1);
        submit(b, "busy", 0);
        var f1 = submit(b, "k", 1, 2, 3);
        var f2 = submit(b, "k", 4, 5);
        var f3 = submit(b, "k", 6);
        executor.runAll();
        // 3 + 2 would exceed 4 rows: the second request waits for the next batch, with the third
        assertThat(events).containsExactly("batch 1/1", "batch 1/3", "batch 2/3");
        assertThat(y(f1)).containsExactly(2, 3, 4, 5, 6, 7);
        assertThat(y(f2)).containsExactly(8, 9, 10, 11);
        assertThat(y(f3)).containsExactly(12, 13);
    }

    @Test
    void anExpiredRequestFailsWhenItsDeadlinePassesAndNeverRuns() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        var busy = submit(b, "k", 1);
        var late = submitWithTimeout(b, "k", 5, 7);
        scheduler.advance(4, MILLISECONDS);
        assertThat(late).isNotDone();
        scheduler.advance(1, MILLISECONDS);
        assertThat(failure(late)).isInstanceOf(DeadlineExceededException.class)
                .hasMessage("request to m:1 timed out after waiting 5 ms in the queue");
        assertThat(b.queueDepth()).isZero();
        executor.runAll();
        assertThat(y(busy)).containsExactly(2, 3);
        assertThat(model.batches).hasSize(1);
        assertThat(events).containsExactly("expired", "batch 1/1");
    }

    @Test
    void aRequestCancelledByItsCallerNeverRuns() {
        Batcher b = batcher(8, 50, 100, 1);
        submit(b, "k", 1);
        var gone = submit(b, "k", 7);
        gone.cancel(false);
        executor.runAll();
        assertThat(model.batches).hasSize(1);
    }

    @Test
    void refusesRequestsBeyondTheQueueSize() {
        Batcher b = batcher(8, 50, 2, 1);
        submit(b, "k", 1); // running: not queued
        submit(b, "k", 2);
        submit(b, "k", 3);
        var refused = submit(b, "k", 4);
        assertThat(failure(refused)).isInstanceOf(OverloadedException.class)
                .hasMessage("model m:1 queue is full (2 requests); retry later");
        assertThat(((OverloadedException) failure(refused)).reason()).isEqualTo(OverloadedException.Reason.QUEUE_FULL);
        assertThat(events).containsExactly("rejected QUEUE_FULL");
    }

    @Test
    void aFailingModelFailsOnlyItsOwnBatch() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        var bad = submit(b, "k", -1);
        var good = submit(b, "k", 3);
        executor.runAll();
        assertThat(failure(bad)).isInstanceOf(ModelExecutionException.class)
                .hasMessage("model m:1 failed: negative input -1.0");
        assertThat(y(good)).containsExactly(6, 7);
    }

    @Test
    void aPoisonRequestFailsAloneAndItsBatchMatesGetTheirAnswers() {
        Batcher b = batcher(8, 50, 100, 1);
        var requests = oneBatch(b, 1, 2, 3, 4, 5, -6, 7, 8);
        executor.runAll();
        assertThat(failure(requests.get(5))).isInstanceOf(ModelExecutionException.class)
                .hasMessage("model m:1 failed: negative input -6.0");
        for (int i : new int[] {0, 1, 2, 3, 4, 6, 7}) {
            assertDoubled(requests.get(i), i + 1);
        }
        // the batch, then each half of every failing part: 2 re-runs per level, 2 * log2(8) in all
        assertThat(runs()).containsExactly(List.of(1f, 2f, 3f, 4f, 5f, -6f, 7f, 8f),
                List.of(1f, 2f, 3f, 4f), List.of(5f, -6f, 7f, 8f),
                List.of(5f, -6f), List.of(5f), List.of(-6f),
                List.of(7f, 8f));
        assertThat(events).containsExactly("batch 8/8",
                "rerun 4/4 ok", "rerun 4/4 failed",
                "rerun 2/2 failed", "rerun 1/1 ok", "rerun 1/1 failed", "isolated",
                "rerun 2/2 ok");
    }

    @Test
    void severalPoisonRequestsInOneBatchEachFailAloneWithTheirOwnError() {
        Batcher b = batcher(8, 50, 100, 1);
        var requests = oneBatch(b, 1, -2, -3, 4, 5, 6, -7, 8);
        executor.runAll();
        for (int i : new int[] {1, 2, 6}) {
            assertThat(failure(requests.get(i))).isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model m:1 failed: negative input " + (float) -(i + 1));
        }
        for (int i : new int[] {0, 3, 4, 5, 7}) {
            assertDoubled(requests.get(i), i + 1);
        }
        // 12 re-runs, within the bound for k = 3 culprits: 2 (1 + k (log2(8) - 1)) = 14 <= 2 k log2(8) = 18
        assertThat(runs()).hasSize(1 + 12);
        assertThat(events).filteredOn(e -> e.startsWith("rerun")).hasSize(12);
        assertThat(events).filteredOn(e -> e.endsWith("failed")).as("at most k log2(8) = 9").hasSize(8);
        assertThat(events).filteredOn("isolated"::equals).hasSize(3);
    }

    @Test
    void aBatchOfOnlyPoisonRequestsFailsEachWithItsOwnError() {
        Batcher b = batcher(4, 50, 100, 1);
        var requests = oneBatch(b, -1, -2, -3, -4);
        executor.runAll();
        for (int i = 0; i < 4; i++) {
            assertThat(failure(requests.get(i))).isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model m:1 failed: negative input " + (float) -(i + 1));
        }
        // every part fails: 2n - 2 = 6 re-runs, within the budget of 4 log2(4) = 8 failed re-runs
        assertThat(runs()).hasSize(1 + 6);
    }

    @Test
    void aModelThatFailsEveryInputStopsIsolatingOnceItsFailedRunBudgetIsSpent() {
        model.broken = true;
        Batcher b = batcher(8, 50, 100, 1);
        var requests = oneBatch(b, 1, 2, 3, 4, 5, 6, 7, 8);
        executor.runAll();
        // 4 log2(8) = 12 failed re-runs, instead of the 2n - 2 = 14 of a full search
        assertThat(runs()).hasSize(1 + 12);
        assertThat(runs().get(12)).as("the last re-run").containsExactly(7f, 8f);
        assertThat(events).filteredOn(e -> e.startsWith("rerun")).hasSize(12).allMatch(e -> e.endsWith("failed"));
        assertThat(events).filteredOn("isolated"::equals).hasSize(6);
        for (int i = 0; i < 6; i++) { // found alone before the budget ran out
            assertThat(failure(requests.get(i))).isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model m:1 failed: the model is broken");
        }
        for (int i = 6; i < 8; i++) { // failed with the part of 2 that held them
            assertThat(failure(requests.get(i))).isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model m:1 failed: the model is broken (this request ran with others in a batch "
                            + "that failed, and was not isolated: the batcher stops re-running parts of a batch "
                            + "after 12 failed re-runs)");
        }
    }

    @Test
    void aPoisonRequestKeepsItsRowsTogether() {
        Batcher b = batcher(8, 50, 100, 1);
        List<CompletableFuture<Map<String, Tensor>>> requests = new ArrayList<>();
        try (var arrival = b.announce()) {
            requests.add(submit(b, "k", 1, 2, 3));
            requests.add(submit(b, "k", 4, -5));
            requests.add(submit(b, "k", 6));
        }
        executor.runAll();
        assertThat(events).startsWith("batch 3/6");
        assertThat(failure(requests.get(1))).hasMessage("model m:1 failed: negative input -5.0");
        assertThat(y(requests.get(0))).containsExactly(2, 3, 4, 5, 6, 7);
        assertDoubled(requests.get(2), 6);
        assertThat(runs()).containsExactly(List.of(1f, 2f, 3f, 4f, -5f, 6f),
                List.of(1f, 2f, 3f, 4f, -5f), List.of(1f, 2f, 3f), List.of(4f, -5f),
                List.of(6f));
    }

    @Test
    void withAMaxBatchSizeOfOneAFailingRequestRunsOnceAndNothingRunsAgain() {
        Batcher b = batcher(1, 50, 100, 1);
        var requests = oneBatch(b, -1, 2);
        executor.runAll();
        assertThat(failure(requests.get(0))).hasMessage("model m:1 failed: negative input -1.0");
        assertDoubled(requests.get(1), 2);
        assertThat(runs()).containsExactly(List.of(-1f), List.of(2f));
        assertThat(events).containsExactly("batch 1/1", "batch 1/1");
    }

    @Test
    void aRequestWhoseDeadlinePassesDuringIsolationTimesOutAndNeverRunsAgain() {
        model.duringRun = () -> ticker.advance(2, MILLISECONDS);
        Batcher b = batcher(8, 50, 100, 1);
        List<CompletableFuture<Map<String, Tensor>>> requests = new ArrayList<>();
        try (var arrival = b.announce()) {
            requests.add(submit(b, "k", -1));
            requests.add(submit(b, "k", 2));
            requests.add(submit(b, "k", 3));
            requests.add(submitWithTimeout(b, "k", 5, 4)); // due at 5 ms: each run takes 2 ms
        }
        executor.runAll();
        assertThat(failure(requests.get(3))).isInstanceOf(DeadlineExceededException.class)
                .hasMessage("request to m:1 timed out after 8 ms: its batch failed, and its deadline passed before "
                        + "it could run again in a smaller batch");
        assertThat(failure(requests.get(0))).hasMessage("model m:1 failed: negative input -1.0");
        assertDoubled(requests.get(1), 2);
        assertDoubled(requests.get(2), 3);
        assertThat(runs()).containsExactly(List.of(-1f, 2f, 3f, 4f), List.of(-1f, 2f), List.of(-1f), List.of(2f),
                List.of(3f));
        assertThat(events).contains("expired");
    }

    @Test
    void aRequestCancelledDuringIsolationNeverRunsAgain() {
        List<CompletableFuture<Map<String, Tensor>>> requests = new ArrayList<>();
        model.duringRun = () -> {
            if (model.batches.size() == 2) {
                requests.get(3).cancel(false);
            }
        };
        Batcher b = batcher(8, 50, 100, 1);
        requests.addAll(oneBatch(b, -1, 2, 3, 4));
        executor.runAll();
        assertThat(requests.get(3)).isCancelled();
        assertDoubled(requests.get(2), 3);
        assertThat(runs()).containsExactly(List.of(-1f, 2f, 3f, 4f), List.of(-1f, 2f), List.of(-1f), List.of(2f),
                List.of(3f));
    }

    @Test
    void isolationHoldsTheBatchSlotSoTheNextBatchWaitsForIt() {
        Batcher b = batcher(8, 50, 100, 1);
        List<CompletableFuture<Map<String, Tensor>>> late = new ArrayList<>();
        List<Integer> dispatchedDuringIsolation = new ArrayList<>();
        model.duringRun = () -> {
            if (model.batches.size() == 2) {
                late.add(submit(b, "k", 5));
                dispatchedDuringIsolation.add(executor.queued());
            }
        };
        var requests = oneBatch(b, -1, 2);
        executor.runAll();
        assertThat(dispatchedDuringIsolation).containsExactly(0);
        assertThat(runs()).containsExactly(List.of(-1f, 2f), List.of(-1f), List.of(2f), List.of(5f));
        assertDoubled(requests.get(1), 2);
        assertDoubled(late.get(0), 5);
    }

    @Test
    void anErrorDuringIsolationAnswersEveryRequestAndReachesTheExecutor() {
        model.duringRun = () -> {
            if (model.batches.size() == 2) {
                throw new OutOfMemoryError("test");
            }
        };
        Batcher b = batcher(8, 50, 100, 1);
        var requests = oneBatch(b, 1, -2, 3, 4);
        assertThatThrownBy(executor::runAll).isInstanceOf(OutOfMemoryError.class);
        for (var r : requests) {
            assertThat(failure(r)).isInstanceOf(ModelExecutionException.class)
                    .hasMessage("model m:1 failed: java.lang.OutOfMemoryError: test");
        }
        assertThat(b.drain()).as("the slot is free again").isDone();
    }

    @Test
    void aModelReturningTheWrongRowCountFailsItsBatchClearly() {
        AtomicInteger calls = new AtomicInteger();
        Model wrong = inputs -> {
            calls.incrementAndGet();
            return Map.of("y", Tensor.ofFloats(Shape.of(1, 2), 0, 0));
        };
        Batcher b = new Batcher("m:1", wrong, new Batcher.Settings(8, 0, 100, 1), ticker, scheduler, executor,
                BatcherListener.NONE);
        var alone = submit(b, "k", 0); // one row in, one row out: fine on its own
        var f1 = submit(b, "k", 1);
        var f2 = submit(b, "k", 2);
        executor.runAll();
        assertThat(alone).isCompleted();
        assertThat(failure(f1)).isInstanceOf(ModelExecutionException.class)
                .hasMessageContaining("returned output 'y' with shape [1, 2] for a batch of 2 rows");
        assertThat(failure(f2)).isInstanceOf(ModelExecutionException.class);
        assertThat(calls).as("outputs that break the contract are not a poison request: nothing runs again")
                .hasValue(2);
    }

    @Test
    void returnsOnlyTheRequestedOutputs() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        var both = b.submit(Map.of("x", rows(1)), "k", 1, List.of("y", "z"), ticker.read() + 1_000_000_000L);
        executor.runAll();
        assertThat(answer(both)).containsOnlyKeys("y", "z");
        var one = submit(b, "k", 1);
        executor.runAll();
        assertThat(answer(one)).containsOnlyKeys("y");
    }

    @Test
    void aDueGroupIsServedWhileAGroupCreatedEarlierIsStillYoung() {
        Batcher b = batcher(4, 10, 100, 2);
        submit(b, "x", 9); // runs at once: one slot busy
        var arrival = b.announce(); // more is on its way: groups wait for it, up to the latency
        submit(b, "a", 1, 1, 1); // t=0: group a
        scheduler.advance(1, MILLISECONDS);
        var waiting = submit(b, "b", 2); // t=1: group b
        scheduler.advance(1, MILLISECONDS);
        submit(b, "a", 3, 3); // t=2: a is full; its first request runs alone, a's head is now from t=2
        assertThat(executor.queued()).isEqualTo(2);
        executor.runAll(); // both slots free again; nothing is due yet
        assertThat(events).containsExactly("batch 1/1", "batch 1/3");
        scheduler.advance(8, MILLISECONDS); // t=10
        assertThat(executor.queued()).isZero();
        scheduler.advance(1, MILLISECONDS); // t=11: b has waited its latency, a only 9 ms
        assertThat(executor.queued()).as("b dispatched when due").isEqualTo(1);
        executor.runNext();
        assertThat(y(waiting)).containsExactly(4, 5);
        assertThat(events).containsExactly("batch 1/1", "batch 1/3", "batch 1/1");
        arrival.close();
    }

    @Test
    void aDueGroupIsServedBeforeAYoungerFullGroup() {
        Batcher b = batcher(2, 10, 100, 1);
        var arrival = b.announce();
        var low = submit(b, "low", 1); // t=0: one row, waits for company
        submit(b, "hot", 2, 2); // full: runs at once
        scheduler.advance(5, MILLISECONDS);
        submit(b, "hot", 3, 3); // full, waits for the slot
        executor.runNext(); // t=5: low is not due yet, so the full group runs
        scheduler.advance(6, MILLISECONDS); // t=11: low is due; the slot is busy
        submit(b, "hot", 4, 4); // full, but younger than low's head
        executor.runNext(); // the slot frees: low goes first
        executor.runNext();
        assertThat(model.batches.get(2)).containsExactly(1, 1.5f);
        executor.runAll();
        assertThat(y(low)).containsExactly(2, 3);
        assertThat(model.batches.get(3)).containsExactly(4, 4.5f, 4, 4.5f);
        arrival.close();
    }

    @Test
    void aCancelledRequestLeavesTheQueueAtOnce() {
        Batcher b = batcher(8, 50, 2, 1);
        submit(b, "k", 1); // running: not queued
        submit(b, "k", 2);
        var gone = submit(b, "k", 3);
        assertThat(b.queueDepth()).isEqualTo(2);
        gone.cancel(false);
        assertThat(b.queueDepth()).isEqualTo(1);
        var admitted = submit(b, "k", 4);
        assertThat(admitted).isNotDone();
        executor.runAll();
        assertThat(y(admitted)).containsExactly(8, 9);
        assertThat(model.batches).hasSize(2);
        assertThat(model.batches.get(1)).containsExactly(2, 2.5f, 4, 4.5f);
    }

    @Test
    void anExpiredRequestReleasesItsInputsAtOnce() {
        Batcher b = batcher(8, 50, 100, 1);
        submit(b, "k", 1); // running: the next request waits
        Tensor input = rows(7);
        WeakReference<Tensor> ref = new WeakReference<>(input);
        var late = b.submit(Map.of("x", input), "k", 1, List.of("y"), ticker.read() + MILLISECONDS.toNanos(5));
        submit(b, "k", 8); // keeps the group alive behind it
        input = null;
        scheduler.advance(5, MILLISECONDS);
        assertThat(failure(late)).isInstanceOf(DeadlineExceededException.class);
        assertThat(collected(ref)).as("the expired request's tensor is no longer held").isTrue();
    }

    @Test
    void aCancelledRequestReleasesItsInputsAtOnce() {
        Batcher b = batcher(8, 50, 100, 1);
        submit(b, "k", 1);
        Tensor input = rows(7);
        WeakReference<Tensor> ref = new WeakReference<>(input);
        var gone = b.submit(Map.of("x", input), "k", 1, List.of("y"), ticker.read() + MILLISECONDS.toNanos(500));
        submit(b, "k", 8); // keeps the group alive behind it
        input = null;
        gone.cancel(false);
        assertThat(collected(ref)).as("the cancelled request's tensor is no longer held").isTrue();
    }

    @Test
    void oneLatencyTimerServesEveryWaitingGroup() {
        Batcher b = batcher(8, 10, 100, 1);
        var arrival = b.announce();
        submit(b, "a", 1);
        scheduler.advance(1, MILLISECONDS);
        submit(b, "b", 2);
        scheduler.advance(1, MILLISECONDS);
        submit(b, "c", 3);
        assertThat(scheduler.pending()).as("three deadlines and one latency timer").isEqualTo(4);
        scheduler.advance(8, MILLISECONDS); // t=10: a is due and runs; the slot is busy, so no timer is needed
        assertThat(executor.queued()).isEqualTo(1);
        assertThat(scheduler.pending()).isEqualTo(2);
        executor.runNext(); // a finishes at t=10: b (due at t=11) waits, with the timer armed for it
        assertThat(executor.queued()).isZero();
        assertThat(scheduler.pending()).isEqualTo(3);
        scheduler.advance(1, MILLISECONDS); // t=11: b is due
        assertThat(executor.queued()).isEqualTo(1);
        executor.runAll();
        assertThat(events).containsExactly("batch 1/1", "batch 1/1");
        arrival.close();
    }

    @Test
    void startsTheNextBatchBeforeAnsweringTheFinishedOne() {
        Batcher b = batcher(8, 50, 100, 1);
        var first = submit(b, "k", 1);
        submit(b, "k", 2);
        List<Integer> startedWhenAnswered = new ArrayList<>();
        first.whenComplete((r, t) -> startedWhenAnswered.add(executor.queued()));
        executor.runNext();
        assertThat(startedWhenAnswered).containsExactly(1);
    }

    /** A batcher whose executor threads run the next batch themselves (and idle callers theirs, if asked). */
    private Batcher continuingBatcher(int maxBatchSize, long latencyMs, int concurrency, boolean callerRuns) {
        return batcher(new Batcher.Settings(maxBatchSize, MILLISECONDS.toNanos(latencyMs), 100, concurrency,
                callerRuns, true), executor);
    }

    @Test
    void anExecutorThreadAnswersItsBatchThenRunsTheNextOneItself() {
        Batcher b = continuingBatcher(8, 50, 1, false);
        var first = submit(b, "k", 1);
        var second = submit(b, "k", 2); // the slot is busy: queued
        var third = submit(b, "k", 3);
        List<Integer> batchesWhenFirstAnswered = new ArrayList<>();
        first.whenComplete((r, t) -> batchesWhenFirstAnswered.add(model.batches.size()));
        assertThat(executor.queued()).isEqualTo(1);

        executor.runNext();

        assertThat(batchesWhenFirstAnswered).as("answered before the next batch ran").containsExactly(1);
        assertThat(events).containsExactly("batch 1/1", "batch 2/2");
        assertThat(model.threads).as("both batches on the one executor thread").hasSize(2)
                .allMatch(t -> t == model.threads.get(0));
        assertThat(executor.queued()).as("nothing handed over").isZero();
        assertThat(y(second)).containsExactly(4, 5);
        assertThat(y(third)).containsExactly(6, 7);
        assertThat(b.drain()).isDone();
    }

    @Test
    void aCallersThreadNeverRunsMoreThanItsOwnBatch() {
        Batcher b = continuingBatcher(8, 50, 1, true);
        AtomicReference<CompletableFuture<Map<String, Tensor>>> queued = new AtomicReference<>();
        model.duringRun = () -> {
            if (model.batches.size() == 1) {
                queued.set(submit(b, "k", 2)); // arrives while the caller's batch runs
            }
        };
        var own = submit(b, "k", 1); // idle: runs on this thread
        assertThat(own).isDone();
        assertThat(model.batches).as("only its own batch ran here").hasSize(1);
        assertThat(executor.queued()).as("the next batch went to the executor").isEqualTo(1);
        executor.runAll();
        assertThat(y(queued.get())).containsExactly(4, 5);
    }

    @Test
    void withSeveralSlotsOnlyTheFirstNextBatchContinuesOnTheThread() {
        Batcher b = continuingBatcher(2, 50, 2, false);
        submit(b, "a", 1, 1); // full: dispatched to the executor
        submit(b, "b", 2, 2); // full: the second slot
        submit(b, "a", 3, 3); // both slots busy: queued
        submit(b, "b", 4, 4);
        assertThat(executor.queued()).isEqualTo(2);
        executor.runNext(); // frees one slot: "a" 3 continues on this thread, then "b" 4 after it
        assertThat(model.batches).hasSize(3);
        assertThat(executor.queued()).as("the other slot's batch still waits for its thread").isEqualTo(1);
        executor.runAll();
        assertThat(model.batches).hasSize(4);
        assertThat(b.drain()).isDone();
    }

    @Test
    void drainingAnswersAcceptedRequestsAndRefusesNewOnes() throws Exception {
        Batcher b = batcher(8, 50, 100, 1);
        var running = submit(b, "k", 1);
        var queued = submit(b, "k", 2);
        var drained = b.drain();
        assertThat(drained).isNotDone();
        var refused = submit(b, "k", 3);
        assertThat(((OverloadedException) failure(refused)).reason())
                .isEqualTo(OverloadedException.Reason.SHUTTING_DOWN);
        executor.runAll();
        assertThat(y(running)).containsExactly(2, 3);
        assertThat(y(queued)).containsExactly(4, 5);
        assertThat(drained).isDone();
    }

    @Test
    void aDrainOfAnIdleBatcherCompletesAtOnce() {
        assertThat(batcher(8, 50, 100, 1).drain()).isDone();
    }

    // ---- the caller's thread

    @Test
    void aCallerOfAnIdleBatcherRunsItsBatchOnItsOwnThread() {
        Batcher b = callerRunsBatcher(8, 50, 1, executor);
        var f = submit(b, "k", 1);
        assertThat(f).as("answered before submit returned").isDone();
        assertThat(y(f)).containsExactly(2, 3);
        assertThat(model.threads).containsExactly(Thread.currentThread());
        assertThat(executor.queued()).isZero();
        assertThat(scheduler.pending()).as("no deadline timer for a request that ran at once").isZero();
        assertThat(events).containsExactly("batch 1/1");
        assertThat(b.drain()).as("its slot is free again").isDone();
    }

    @Test
    void aRequestThatJoinsAFormingBatchDoesNotRunOnItsCallersThread() {
        Batcher b = callerRunsBatcher(8, 10, 1, executor);
        var other = b.announce(); // another caller's request is on its way: a batch forms
        var first = submit(b, "k", 1);
        var second = submit(b, "k", 2);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(model.batches).isEmpty();
        scheduler.advance(10, MILLISECONDS); // the timer's thread dispatches: the executor runs the batch
        assertThat(executor.queued()).isEqualTo(1);
        assertThat(model.batches).isEmpty();
        executor.runAll();
        assertThat(events).containsExactly("batch 2/2");
        assertDoubled(second, 2);
        other.close();
    }

    @Test
    void afterABatchOfSeveralRequestsALoneCallerHandsItsBatchToTheExecutorUntilTrafficIsLightAgain() {
        Batcher b = callerRunsBatcher(8, 10, 1, executor);
        var other = b.announce();
        var first = submit(b, "k", 1);
        var second = submit(b, "k", 2);
        other.close(); // the batch of two runs here: traffic is not light
        assertDoubled(first, 1);
        assertDoubled(second, 2);
        var lone = submit(b, "k", 3);
        assertThat(lone).as("handed to the executor, so that the requests behind it can batch").isNotDone();
        assertThat(executor.queued()).isEqualTo(1);
        executor.runAll(); // a batch of one that left nothing queued: traffic is light again
        assertDoubled(lone, 3);
        var next = submit(b, "k", 4);
        assertThat(next).as("runs on its caller's thread again").isDone();
        assertDoubled(next, 4);
        assertThat(model.threads.get(model.threads.size() - 1)).isSameAs(Thread.currentThread());
        assertThat(events).containsExactly("batch 2/2", "batch 1/1", "batch 1/1");
    }

    @Test
    void theCallerWhoseArrivalCompletesABatchRunsItAndIsolatesAPoisonRequestThere() {
        Batcher b = callerRunsBatcher(8, 50, 1, executor);
        var requests = new ArrayList<CompletableFuture<Map<String, Tensor>>>();
        try (var arrival = b.announce()) {
            for (float v : new float[] {1, -2, 3}) {
                requests.add(submit(b, "k", v));
            }
            assertThat(model.batches).as("waiting for the announced request").isEmpty();
        } // closed here, on this thread: the batch runs now, isolation included, with nothing left queued
        assertThat(executor.queued()).isZero();
        assertThat(model.threads).allMatch(t -> t == Thread.currentThread());
        assertThat(events).startsWith("batch 3/3").containsOnlyOnce("isolated");
        assertDoubled(requests.get(0), 1);
        assertThat(failure(requests.get(1))).hasMessageContaining("negative input -2");
        assertDoubled(requests.get(2), 3);
    }

    @Test
    void aCallerHandsItsBatchToTheExecutorWhileAnotherBatchRuns() {
        Batcher b = callerRunsBatcher(8, 10, 2, executor);
        var arrival = b.announce();
        var first = submit(b, "k", 1);
        scheduler.advance(10, MILLISECONDS); // the first batch is handed to the executor and holds a slot
        arrival.close();
        var second = submit(b, "k", 2); // a slot is free, but another batch runs: not idle
        assertThat(second).isNotDone();
        assertThat(executor.queued()).isEqualTo(2);
        executor.runAll();
        assertDoubled(first, 1);
        assertDoubled(second, 2);
    }

    @Test
    void aRequestOverdueWhenSubmittedNeverRunsOnItsCallersThread() {
        Batcher b = callerRunsBatcher(8, 50, 1, executor);
        var late = submitWithTimeout(b, "k", 0, 1);
        assertThat(failure(late)).isInstanceOf(DeadlineExceededException.class);
        assertThat(model.batches).isEmpty();
        assertThat(events).containsExactly("expired");
    }

    @Test
    void anErrorOnTheCallersThreadFailsTheRequestInsteadOfReachingTheCaller() {
        model.duringRun = () -> {
            throw new OutOfMemoryError("test");
        };
        Batcher b = callerRunsBatcher(8, 50, 1, executor);
        var f = submit(b, "k", 1);
        assertThat(failure(f)).isInstanceOf(ModelExecutionException.class)
                .hasMessage("model m:1 failed: java.lang.OutOfMemoryError: test");
        assertThat(b.drain()).as("the slot is free again").isDone();
    }

    @Test
    void callersRunningBatchesOnTheirThreadsRespectMaxConcurrency() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        ExecutorService callers = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger mostInside = new AtomicInteger();
            List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
            model.duringRun = () -> {
                threads.add(Thread.currentThread());
                mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                entered.countDown();
                try {
                    Await.open(release, "the test releases the first batch");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inside.decrementAndGet();
                }
            };
            Batcher b = callerRunsBatcher(8, 50, 1, pool);
            CompletableFuture<Thread> firstCaller = new CompletableFuture<>();
            var first = CompletableFuture.supplyAsync(() -> {
                firstCaller.complete(Thread.currentThread());
                return submit(b, "k", 1);
            }, callers);
            Await.open(entered, "the first batch runs");
            var second = submit(b, "k", 2); // the only slot is taken: it queues, and this thread returns at once
            assertThat(second).isNotDone();
            assertThat(b.queueDepth()).isEqualTo(1);
            release.countDown();
            assertThat(Await.done(second).get("y").toFloatArray()).containsExactly(4, 5);
            assertThat(Await.done(Await.done(first)).get("y").toFloatArray()).containsExactly(2, 3);
            assertThat(mostInside).hasValue(1);
            assertThat(threads).hasSize(2);
            assertThat(threads.get(0)).as("the first ran on its caller's thread").isSameAs(Await.done(firstCaller));
            assertThat(threads.get(1)).as("the second ran on the executor, not on this thread")
                    .isNotSameAs(Thread.currentThread()).isNotSameAs(threads.get(0));
        } finally {
            callers.shutdownNow();
            pool.shutdownNow();
        }
    }

    // ---- a request submitted with its own arrival

    private CompletableFuture<Map<String, Tensor>> submitAnnounced(Batcher b, Batcher.Arrival arrival, float v) {
        return b.submit(Map.of("x", rows(v)), "k", 1, List.of("y"), ticker.read() + MILLISECONDS.toNanos(1000),
                arrival);
    }

    @Test
    void aRequestSubmittedWithItsOwnArrivalDoesNotWaitForItself() {
        Batcher b = batcher(8, 50, 100, 1);
        var arrival = b.announce();
        var f = submitAnnounced(b, arrival, 1);
        assertThat(executor.queued()).as("dispatched at once").isEqualTo(1);
        assertThat(scheduler.pending()).as("no latency timer, no deadline timer").isZero();
        executor.runAll();
        assertDoubled(f, 1);
        arrival.close(); // closed already: nothing happens
        assertThat(events).containsExactly("batch 1/1");
    }

    @Test
    void aRequestSubmittedWithItsOwnArrivalStillWaitsForAnotherOnItsWay() {
        Batcher b = batcher(8, 50, 100, 1);
        var other = b.announce();
        var f = submitAnnounced(b, b.announce(), 1);
        assertThat(executor.queued()).isZero();
        var g = submitAnnounced(b, other, 2);
        executor.runAll();
        assertThat(events).containsExactly("batch 2/2");
        assertDoubled(f, 1);
        assertDoubled(g, 2);
    }

    @Test
    void anArrivalOfAnotherBatcherIsClosedAndTheRequestIsQueuedAsUsual() {
        Batcher b = batcher(8, 50, 100, 1);
        Batcher other = batcher(8, 50, 100, 1);
        var elsewhere = other.announce();
        var f = submitAnnounced(b, elsewhere, 1);
        var g = submit(other, "k", 2);
        assertThat(executor.queued()).as("the other batcher no longer waits for that arrival").isEqualTo(2);
        executor.runAll();
        assertDoubled(f, 1);
        assertDoubled(g, 2);
    }
}
