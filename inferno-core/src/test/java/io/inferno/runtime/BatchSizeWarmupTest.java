package io.inferno.runtime;

import static io.inferno.runtime.TestModels.XY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.FormatRules;
import io.inferno.model.ModelConfig;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load-time warm-up at the batch sizes the batcher forms, for models that ask for it. */
class BatchSizeWarmupTest {
    @TempDir
    Path dir;

    /** Records every batch it runs: its row count and its first row; fails batches above {@code failAbove} rows. */
    static final class Recording implements Model {
        final List<Long> rows = new CopyOnWriteArrayList<>();
        final List<List<Float>> firstRows = new CopyOnWriteArrayList<>();
        final boolean warms;
        final long failAbove;

        Recording(boolean warms, long failAbove) {
            this.warms = warms;
            this.failAbove = failAbove;
        }

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            Tensor x = inputs.get("x");
            rows.add(x.rows());
            float[] v = x.toFloatArray();
            for (long r = 0; r < x.rows(); r++) {
                firstRows.add(List.of(v[(int) (2 * r)], v[(int) (2 * r + 1)]));
            }
            if (x.rows() > failAbove) {
                throw new IllegalStateException("cannot run " + x.rows() + " rows");
            }
            return Map.of("y", x);
        }

        @Override
        public boolean warmsUpBatchSizes() {
            return warms;
        }
    }

    private static Model load(Path dir, Recording model, int maxBatchSize) {
        ModelRuntime runtime = new ModelRuntime() {
            @Override
            public String format() {
                return "recording";
            }

            @Override
            public FormatRules formatRules() {
                return FormatRules.artifactFile(List.of("model.bin"));
            }

            @Override
            public Model load(ModelContext context) {
                return model;
            }
        };
        ModelConfig config = new ModelConfig("rec", 1, "recording", Optional.empty(), Optional.empty(), XY,
                BatchingConfig.DEFAULTS.withMaxBatchSize(maxBatchSize), 1, Codec.JSON,
                List.of(Map.of("x", Tensor.ofFloats(Shape.of(2, 2), 1, 2, 3, 4))));
        return new ModelLoader(Runtimes.builder().register(runtime).build(), RuntimeOptions.DEFAULTS)
                .load(dir, config);
    }

    @Test
    void theSizesAreOneThePowersOfTwoBelowTheMaximumAndTheMaximum() {
        assertThat(ModelLoader.warmupBatchSizes(1)).containsExactly(1);
        assertThat(ModelLoader.warmupBatchSizes(2)).containsExactly(1, 2);
        assertThat(ModelLoader.warmupBatchSizes(32)).containsExactly(1, 2, 4, 8, 16, 32);
        assertThat(ModelLoader.warmupBatchSizes(20)).containsExactly(1, 2, 4, 8, 16, 20);
    }

    @Test
    void aModelThatAsksRunsEachSizeTwiceAfterItsCheckWithTheSamplesFirstRowRepeated() {
        Recording model = new Recording(true, Long.MAX_VALUE);
        load(dir, model, 20);
        List<Long> expected = new ArrayList<>(List.of(2L)); // the warmup sample, as the check runs it
        for (int size : ModelLoader.warmupBatchSizes(20)) {
            for (int run = 0; run < ModelLoader.WARMUP_RUNS_PER_SIZE; run++) {
                expected.add((long) size);
            }
        }
        assertThat(model.rows).containsExactlyElementsOf(expected);
        assertThat(model.firstRows.subList(2, model.firstRows.size())).allMatch(r -> r.equals(List.of(1f, 2f)));
    }

    @Test
    void aModelThatDoesNotAskRunsOnlyItsCheck() {
        Recording model = new Recording(false, Long.MAX_VALUE);
        load(dir, model, 32);
        assertThat(model.rows).containsExactly(2L);
    }

    @Test
    void aModelThatFailsAtABatchSizeItMustServeFailsTheLoadNamingTheSize() {
        Recording model = new Recording(true, 4);
        assertThatThrownBy(() -> load(dir, model, 32))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir + ": the warm-up at batch size 8 failed: cannot run 8 rows (the model passed its"
                        + " check at 2 row(s); it must run any batch size up to batching.max_batch_size)");
    }
}
