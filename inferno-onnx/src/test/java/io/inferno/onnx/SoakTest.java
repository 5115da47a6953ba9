package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ReferenceCases;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tens of thousands of batches of every size from 1 to 32, some of them failing inside ONNX Runtime: the native
 * objects batches create (input tensors, their direct memory, results) must all be freed, so their count comes back
 * exactly to where it was, and so does the direct memory in use, without waiting for a garbage collection.
 */
class SoakTest {
    private static final Logger log = LoggerFactory.getLogger(SoakTest.class);

    /** Bytes of direct buffers in use in this JVM. */
    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static void report(String what, long live, long direct) {
        log.info("{}: native objects of batches {} -> {}, direct memory {} -> {} bytes", what, live,
                NativeBatch.live(), direct, directBytes());
    }

    @Test
    void twentyThousandMlpBatchesLeaveNoNativeObjectOrDirectMemoryBehind() throws Exception {
        try (OnnxModel model = Samples.load("mlp_onnx", 1)) {
            long live = NativeBatch.live();
            long direct = directBytes();
            for (int i = 0; i < 20_000; i++) {
                int rows = 1 + i % 32;
                Tensor scores = model.predict(Map.of("features", Samples.features(rows, i))).get("scores");
                assertThat(scores.shape()).isEqualTo(Shape.of(rows, 3));
            }
            report("20,000 MLP batches", live, direct);
            assertThat(NativeBatch.live()).isEqualTo(live);
            assertThat(directBytes()).isEqualTo(direct);
        }
    }

    @Test
    void threeThousandClassifierBatchesSomeFailingLeaveNoNativeObjectOrDirectMemoryBehind() throws Exception {
        try (OnnxModel model = Samples.load("my_classifier_onnx", 1)) {
            long live = NativeBatch.live();
            long direct = directBytes();
            int failures = 0;
            for (int i = 0; i < 3_000; i++) {
                int rows = 1 + (i * 7) % 32;
                if (i % 100 == 0) {
                    // rank 3 tokens, or an id outside the vocabulary: ONNX Runtime fails the batch
                    Tensor bad = i % 200 == 0
                            ? Tensor.ofLongs(Shape.of(rows, 4, 2), new long[rows * 8])
                            : Tensor.ofLongs(Shape.of(1, 2), 1, 1000);
                    assertThatThrownBy(() -> model.predict(Map.of("tokens", bad)))
                            .isInstanceOf(OnnxRunException.class);
                    failures++;
                    continue;
                }
                Tensor probs = model.predict(Map.of("tokens", ReferenceCases.tokens(rows, 16, i))).get("probs");
                assertThat(probs.shape()).isEqualTo(Shape.of(rows, 4));
            }
            assertThat(failures).isEqualTo(30);
            report("3,000 classifier batches (30 failing)", live, direct);
            assertThat(NativeBatch.live()).isEqualTo(live);
            assertThat(directBytes()).isEqualTo(direct);
        }
    }
}
