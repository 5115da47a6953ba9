package io.inferno.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.runtime.Model;
import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** One loaded model shared by several threads: what each gets must be what it got alone. */
public final class ConcurrentCalls {
    private ConcurrentCalls() {}

    /**
     * Predicts every input of every thread's list once on the calling thread, then again from one thread per list,
     * all starting together, and asserts that each call returns exactly its single-threaded {@code output}.
     *
     * @param inputsPerThread for each thread, the values of the model's one input {@code input}, in call order
     */
    public static void assertSameAsSingleThreaded(Model model, String input, String output,
            List<List<Tensor>> inputsPerThread) throws Exception {
        List<List<Tensor>> expected = new ArrayList<>();
        for (List<Tensor> inputs : inputsPerThread) {
            List<Tensor> outputs = new ArrayList<>();
            for (Tensor in : inputs) {
                outputs.add(model.predict(Map.of(input, in)).get(output));
            }
            expected.add(outputs);
        }
        int threads = inputsPerThread.size();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    List<Tensor> inputs = inputsPerThread.get(thread);
                    for (int i = 0; i < inputs.size(); i++) {
                        Tensor got = model.predict(Map.of(input, inputs.get(i))).get(output);
                        assertThat(got).as("thread %d call %d", thread, i).isEqualTo(expected.get(thread).get(i));
                    }
                    return inputs.size();
                }));
            }
            for (int t = 0; t < threads; t++) {
                assertThat(done.get(t).get(60, TimeUnit.SECONDS)).isEqualTo(inputsPerThread.get(t).size());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
