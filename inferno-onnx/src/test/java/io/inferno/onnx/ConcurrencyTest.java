package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One loaded session, shared by several threads, each with its own batch sizes. */
class ConcurrencyTest {
    private static final int THREADS = 4;
    private static final int CALLS = 60;
    private static final int[] BATCH_SIZES = {1, 3, 8, 32};

    @Test
    void fourThreadsPredictingAtOnceGetTheSingleThreadedResults() throws Exception {
        try (OnnxModel model = Samples.load("my_classifier_onnx", 1)) {
            long baseline = NativeBatch.live();
            List<List<Tensor>> inputs = new ArrayList<>();
            List<List<Tensor>> expected = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                List<Tensor> in = new ArrayList<>();
                List<Tensor> out = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    Tensor tokens = Samples.tokens(BATCH_SIZES[t], 8 + 8 * (i % 3), t * 1000L + i);
                    in.add(tokens);
                    out.add(model.predict(Map.of("tokens", tokens)).get("probs"));
                }
                inputs.add(in);
                expected.add(out);
            }

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        start.await(60, TimeUnit.SECONDS);
                        for (int i = 0; i < CALLS; i++) {
                            Tensor probs = model.predict(Map.of("tokens", inputs.get(thread).get(i))).get("probs");
                            assertThat(probs).as("thread %d call %d", thread, i)
                                    .isEqualTo(expected.get(thread).get(i));
                        }
                        return CALLS;
                    }));
                }
                for (Future<Integer> f : done) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(CALLS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(NativeBatch.live()).isEqualTo(baseline);
        }
    }
}
