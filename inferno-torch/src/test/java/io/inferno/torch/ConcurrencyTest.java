package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.tensor.Tensor;
import io.inferno.testing.ConcurrentCalls;
import io.inferno.testing.ReferenceCases;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One loaded model, shared by several threads, each with its own batch sizes. */
class ConcurrencyTest {
    private static final int CALLS = 60;
    private static final int[] BATCH_SIZES = {1, 3, 8, 32};

    @Test
    void fourThreadsPredictingAtOnceGetTheSingleThreadedResults() throws Exception {
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            long baseline = model.liveArrays() - model.keptInputs();
            List<List<Tensor>> inputs = new ArrayList<>();
            for (int t = 0; t < BATCH_SIZES.length; t++) {
                List<Tensor> in = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    in.add(ReferenceCases.tokens(BATCH_SIZES[t], 8 + 8 * (i % 3), t * 1000L + i));
                }
                inputs.add(in);
            }

            ConcurrentCalls.assertSameAsSingleThreaded(model, "tokens", "probs", inputs);

            // each thread's call borrowed its own kept inputs: at most four sets, each within its bound
            assertThat(model.keptInputs()).isLessThanOrEqualTo(BATCH_SIZES.length * InputTensors.SHAPES);
            assertThat(model.liveArrays() - model.keptInputs()).isEqualTo(baseline);
        }
    }
}
