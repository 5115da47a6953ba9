package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ReferenceCases;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tens of thousands of batches of every size from 1 to 32, some of them failing inside forward: the count of live
 * native arrays (DJL tracks each one in its tree of managers) must come back exactly to where it was, but for the
 * input tensors kept between batches ({@link InputTensors}), which stay within their bound.
 */
class SoakTest {
    private static final Logger log = LoggerFactory.getLogger(SoakTest.class);

    private static void report(String what, int own, int process, TorchScriptModel model) {
        log.info("{}: live native arrays of the model {} -> {}, of the process {} -> {}", what, own,
                model.liveArrays(), process, model.processLiveArrays());
    }

    @Test
    void twentyThousandLinearBatchesLeaveNoNativeArrayBehind() throws Exception {
        try (TorchScriptModel model = Samples.load("torchscript", 2)) {
            int process = model.processLiveArrays() - model.keptInputs();
            int own = model.liveArrays() - model.keptInputs();
            for (int i = 0; i < 20_000; i++) {
                int rows = 1 + i % 32;
                Tensor y = model.predict(Map.of("x", Samples.features(rows, i))).get("y");
                assertThat(y.shape()).isEqualTo(Shape.of(rows, 3));
            }
            report("20,000 linear batches", own, process, model);
            assertThat(model.keptInputs()).isLessThanOrEqualTo(InputTensors.SHAPES);
            assertThat(model.liveArrays() - model.keptInputs()).isEqualTo(own);
            assertThat(model.processLiveArrays() - model.keptInputs()).isEqualTo(process);
        }
    }

    @Test
    void threeThousandClassifierBatchesSomeFailingLeaveNoNativeArrayBehind() throws Exception {
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            int process = model.processLiveArrays() - model.keptInputs();
            int own = model.liveArrays() - model.keptInputs();
            int failures = 0;
            for (int i = 0; i < 3_000; i++) {
                int rows = 1 + (i * 7) % 32;
                if (i % 100 == 0) {
                    // rank 3 tokens, or an id outside the vocabulary: forward throws half-way through the batch
                    Tensor bad = i % 200 == 0
                            ? Tensor.ofLongs(Shape.of(rows, 4, 2), new long[rows * 8])
                            : Tensor.ofLongs(Shape.of(1, 2), 1, 1000);
                    assertThatThrownBy(() -> model.predict(Map.of("tokens", bad)))
                            .isInstanceOf(TorchScriptException.class);
                    failures++;
                    continue;
                }
                Tensor probs = model.predict(Map.of("tokens", ReferenceCases.tokens(rows, 16, i))).get("probs");
                assertThat(probs.shape()).isEqualTo(Shape.of(rows, 4));
            }
            assertThat(failures).isEqualTo(30);
            report("3,000 classifier batches (30 failing)", own, process, model);
            assertThat(model.keptInputs()).isLessThanOrEqualTo(InputTensors.SHAPES);
            assertThat(model.liveArrays() - model.keptInputs()).isEqualTo(own);
            assertThat(model.processLiveArrays() - model.keptInputs()).isEqualTo(process);
        }
    }
}
