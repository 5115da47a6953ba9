package io.inferno.examples;

import io.inferno.Inferno;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Inferno embedded in a plain Java program: serve the sample repository in process and predict, no HTTP involved.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl inferno-examples exec:java -Dexec.mainClass=io.inferno.examples.EmbeddedExample -Dexec.args=models
 * </pre>
 */
public final class EmbeddedExample {
    private EmbeddedExample() {}

    public static void main(String[] args) {
        Path repository = Path.of(args.length > 0 ? args[0] : "models");
        try (Inferno inferno = Inferno.builder().repository(repository).build()) {
            inferno.ready().join();
            for (ModelStatus m : inferno.models()) {
                System.out.printf("%-16s active=%s loaded=%s on disk=%s%s%n", m.name(),
                        m.active().isPresent() ? m.active().getAsLong() : "none", m.loaded(), m.onDisk(),
                        m.failures().isEmpty() ? "" : " failures=" + m.failures());
            }

            // The smallest sample: x float32 [batch, 4] -> y float32 [batch, 3].
            Tensor x = Tensor.ofFloats(Shape.of(2, 4), 1, 2, 3, 4, 0, 0, 0, 0);
            Prediction p = inferno.predict(PredictRequest.of("torchscript", Map.of("x", x))).join();
            System.out.printf("torchscript v%d y=%s%n", p.version(), Arrays.toString(p.output("y").toFloatArray()));

            // Versions side by side: load 1 (it becomes active), then 2 again; a request pinned to 1 still reaches it.
            inferno.load("torchscript", 1).join();
            inferno.load("torchscript", 2).join();
            Prediction v1 = inferno.predict(PredictRequest.builder("torchscript").input("x", x).version(1).build())
                    .join();
            System.out.printf("torchscript v%d y=%s%n", v1.version(), Arrays.toString(v1.output("y").toFloatArray()));

            // The text classifier: tokens int64 [batch, seq] -> probs float32 [batch, 4].
            Tensor tokens = Tensor.ofLongs(Shape.of(1, 8), 5, 17, 42, 7, 99, 3, 250, 11);
            Prediction c = inferno.predict(PredictRequest.of("my_classifier", Map.of("tokens", tokens))).join();
            System.out.printf("my_classifier v%d probs=%s%n", c.version(),
                    Arrays.toString(c.output("probs").toFloatArray()));
        }
    }
}
