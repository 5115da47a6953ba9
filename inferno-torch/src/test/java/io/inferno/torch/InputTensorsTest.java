package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small inputs are written into native tensors kept from one batch to the next ({@link InputTensors}): models
 * that return their inputs or change them in place still see each batch's own rows, the kept tensors are bounded,
 * large inputs are not kept, and closing the model frees them.
 */
class InputTensorsTest {
    private static final Signature XY = new Signature(
            List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.symbolic("n"))),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH, Dim.symbolic("n"))));

    @TempDir
    Path tmp;

    private TorchScriptModel load(String body) {
        return ScriptedModels.load(ScriptedModels.write(tmp.resolve("m/1"), "M", "x: Tensor", "Tensor", body), XY);
    }

    private static Tensor rows(int rows, int n, float start) {
        float[] v = new float[rows * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i;
        }
        return Tensor.ofFloats(Shape.of(rows, n), v);
    }

    private static float[] floats(Tensor t) {
        ByteBuffer b = t.data().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static Tensor y(TorchScriptModel model, Tensor x) throws Exception {
        return model.predict(Map.of("x", x)).get("y");
    }

    @Test
    void aModelReturningItsInputKeepsEachBatchsOwnRows() throws Exception {
        try (TorchScriptModel model = load("return x")) {
            Tensor first = y(model, rows(2, 3, 0));
            Tensor second = y(model, rows(2, 3, 100)); // same shape: written into the same kept tensor
            assertThat(model.keptInputs()).isEqualTo(1);
            assertThat(floats(first)).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(floats(second)).containsExactly(100, 101, 102, 103, 104, 105);
        }
    }

    @Test
    void aModelChangingItsInputInPlaceSeesFreshRowsEveryBatch() throws Exception {
        try (TorchScriptModel model = load("x.add_(1.0)\nreturn x")) {
            Tensor x = rows(1, 4, 10);
            for (int i = 0; i < 3; i++) {
                assertThat(floats(y(model, x))).containsExactly(11, 12, 13, 14);
            }
            assertThat(floats(x)).as("the caller's tensor").containsExactly(10, 11, 12, 13);
        }
    }

    @Test
    void keptTensorsAreBoundedAndLargeInputsAreNotKept() throws Exception {
        try (TorchScriptModel model = load("return x * 2.0")) {
            int baseline = model.liveArrays();
            for (int rows = 1; rows <= 3 * InputTensors.SHAPES; rows++) {
                assertThat(floats(y(model, rows(rows, 2, rows)))[0]).isEqualTo(2f * rows);
            }
            assertThat(model.keptInputs()).isEqualTo(InputTensors.SHAPES);
            assertThat(model.liveArrays() - model.keptInputs()).isEqualTo(baseline);

            int n = InputTensors.MAX_BYTES / 4 + 1; // one float more than a kept tensor may hold
            float[] last = floats(y(model, rows(1, n, 0)));
            assertThat(last[n - 1]).isEqualTo(2f * (n - 1));
            assertThat(model.keptInputs()).isEqualTo(InputTensors.SHAPES);
            assertThat(model.liveArrays() - model.keptInputs()).isEqualTo(baseline);
        }
    }

    @Test
    void closingTheModelFreesTheKeptTensors() throws Exception {
        TorchScriptModel model = load("return x");
        int processBefore = model.processLiveArrays() - model.liveArrays(); // everything but this model's arrays
        y(model, rows(4, 4, 0));
        y(model, rows(8, 4, 0));
        assertThat(model.keptInputs()).isEqualTo(2);
        model.close();
        assertThat(model.keptInputs()).isZero();
        assertThat(model.processLiveArrays()).isEqualTo(processBefore);
    }
}
