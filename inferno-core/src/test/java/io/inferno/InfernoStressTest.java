package io.inferno;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real batcher and registry hammered from many threads: every caller must get exactly its own rows back, and
 * hot swaps and unloads under load must not fail a single request. Bounded in count and time.
 */
class InfernoStressTest {
    @TempDir
    Path repo;

    /** Rows whose values encode (caller, request, row), so any mix-up between requests shows. */
    private static Tensor rowsFor(int caller, int request, int rows) {
        float[] v = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            v[2 * r] = caller * 100_000 + request * 10 + r;
            v[2 * r + 1] = -(caller * 100_000 + request * 10 + r);
        }
        return Tensor.ofFloats(Shape.of(rows, 2), v);
    }

    private static void checkOwnRows(Prediction p, Tensor x) {
        float[] in = x.toFloatArray();
        float[] y = p.output("y").toFloatArray();
        assertThat(p.output("x_copy")).isEqualTo(x);
        assertThat(y).hasSameSizeAs(in);
        for (int i = 0; i < in.length; i++) {
            assertThat(y[i]).isEqualTo(in[i] * p.version());
        }
    }

    @Test
    void manyCallersWithRandomBatchSizesEachGetTheirOwnRows() throws Exception {
        writeYaml(repo.resolve("stress/1"), ScalingModel.yaml("stress", 1, 16));
        int callers = 16;
        int perCaller = 400;
        try (Inferno inferno = Inferno.builder().repository(repo).build()) {
            done(inferno.ready());
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perCaller; i++) {
                        Tensor x = rowsFor(caller, i, 1 + ThreadLocalRandom.current().nextInt(5));
                        checkOwnRows(done(inferno.predict(PredictRequest.of("stress", Map.of("x", x)))), x);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            // batching really happened: fewer batches than requests
            HistogramSnapshot sizes = (HistogramSnapshot) inferno.metricsRegistry().scrape().stream()
                    .filter(s -> s.getMetadata().getName().equals("infer_batch_size")).findFirst().orElseThrow();
            long batches = sizes.getDataPoints().get(0).getCount();
            double rows = sizes.getDataPoints().get(0).getSum();
            assertThat(batches).isLessThan((long) callers * perCaller);
            System.out.printf("stress: %d requests in %d batches, %.1f rows per batch%n", callers * perCaller,
                    batches, rows / batches);
        }
    }

    @Test
    void hotSwapsAndUnloadsUnderLoadFailNoRequest() throws Exception {
        writeYaml(repo.resolve("slowswap/1"), ScalingModel.yaml("slowswap", 1, 8));
        writeYaml(repo.resolve("slowswap/2"), ScalingModel.yaml("slowswap", 2, 8));
        try (ModelProbe probe = ModelProbe.open(repo);
                Inferno inferno = Inferno.builder().repository(repo).build()) {
            done(inferno.ready());
            done(inferno.load("slowswap", 1));
            done(inferno.load("slowswap", 2));
            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger answered = new AtomicInteger();
            Semaphore answers = new Semaphore(0); // one permit per answer: the swaps below wait for traffic
            int[] servedBy = new int[3];
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int caller = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; running.get() && i < 100_000; i++) {
                        Tensor x = rowsFor(caller, i % 1000, 1 + (i % 3));
                        try {
                            Prediction p = done(inferno.predict(PredictRequest.of("slowswap", Map.of("x", x))));
                            checkOwnRows(p, x);
                            synchronized (servedBy) {
                                servedBy[(int) p.version()]++;
                            }
                            answered.incrementAndGet();
                            answers.release();
                        } catch (RuntimeException | AssertionError e) {
                            failures.add(e);
                        }
                    }
                    return null;
                }));
            }
            // swap back and forth, always keeping one version loaded, with requests answered between every step
            for (int round = 0; round < 6; round++) {
                awaitAnswers(answers);
                done(inferno.unload("slowswap", 1)); // active was 2 or becomes 2
                awaitAnswers(answers);
                done(inferno.load("slowswap", 1)); // active 1
                awaitAnswers(answers);
                done(inferno.unload("slowswap", 2)); // active 1
                awaitAnswers(answers);
                done(inferno.load("slowswap", 2)); // active 2
            }
            running.set(false);
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(failures).isEmpty();
            assertThat(answered.get()).isGreaterThan(100);
            assertThat(servedBy[1]).isPositive();
            assertThat(servedBy[2]).isPositive();
            assertThat(probe.closed("slowswap:1")).isEqualTo(6);
        }
    }

    /** Waits until the callers got 20 answers since the last step, so that each state of the swap serves some. */
    private static void awaitAnswers(Semaphore answers) throws InterruptedException {
        answers.drainPermits();
        Await.acquire(answers, 20, "answers between two swaps");
    }
}
