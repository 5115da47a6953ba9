package io.inferno.examples.javamodel;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.Map;

/**
 * A model written in plain Java ({@code format: java}): multinomial logistic regression, {@code x} float32
 * [batch, F] to {@code probs} float32 [batch, C], with weights read from {@code weights.txt} in the version
 * directory (first line {@code F C}, then F rows of C weights, then one row of C biases).
 *
 * <p>This is the sample behind {@code models/java/1}; the jar there is built from this file by
 * {@code scripts/build_java_sample.sh}. It shows the Java entrypoint contract: a public constructor taking a
 * {@link ModelContext}, a thread-safe {@link #predict}, and state read from the version directory.
 */
public final class SoftmaxRegression implements Model {
    private final int features;
    private final int classes;
    private final float[] weights; // features x classes, row-major
    private final float[] bias;

    public SoftmaxRegression(ModelContext context) throws IOException {
        String[] tokens = Files.readString(context.resolve("weights.txt")).trim().split("\\s+");
        features = Integer.parseInt(tokens[0]);
        classes = Integer.parseInt(tokens[1]);
        if (tokens.length != 2 + features * classes + classes) {
            throw new IOException("weights.txt holds " + (tokens.length - 2) + " numbers; expected "
                    + (features * classes + classes) + " for " + features + " features and " + classes + " classes");
        }
        weights = new float[features * classes];
        bias = new float[classes];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = Float.parseFloat(tokens[2 + i]);
        }
        for (int c = 0; c < classes; c++) {
            bias[c] = Float.parseFloat(tokens[2 + weights.length + c]);
        }
    }

    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        Tensor x = inputs.get("x");
        int rows = (int) x.rows();
        FloatBuffer in = x.data().asFloatBuffer();
        float[] out = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                float z = bias[c];
                for (int f = 0; f < features; f++) {
                    z += in.get(r * features + f) * weights[f * classes + c];
                }
                out[r * classes + c] = z;
                max = Math.max(max, z);
            }
            float sum = 0;
            for (int c = 0; c < classes; c++) {
                float e = (float) Math.exp(out[r * classes + c] - max);
                out[r * classes + c] = e;
                sum += e;
            }
            for (int c = 0; c < classes; c++) {
                out[r * classes + c] /= sum;
            }
        }
        return Map.of("probs", Tensor.ofFloats(Shape.of(rows, classes), out));
    }
}
