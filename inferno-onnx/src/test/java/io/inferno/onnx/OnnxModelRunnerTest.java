package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.InvalidInputException;
import io.inferno.ModelRunner;
import io.inferno.golden.GoldenResult;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ONNX samples in a {@link io.inferno.ModelRunner}: real ONNX Runtime, the samples' own golden examples. */
class OnnxModelRunnerTest {
    @ParameterizedTest(name = "{0}:{1}")
    @CsvSource({"my_classifier_onnx, 1", "mlp_onnx, 1"})
    void theSamplesPassTheirGoldenExamples(String name, long version) {
        try (ModelRunner runner = ModelRunner.open(Samples.MODELS, name, version)) {
            List<GoldenResult> results = runner.checkGoldenCases();

            assertThat(results).hasSize(1);
            results.forEach(GoldenResult::assertPassed);
        }
    }

    @Test
    void aModelWithoutDeclaredSignatureServesAndValidatesTheGraphs() {
        try (ModelRunner runner = ModelRunner.open(Samples.MODELS.resolve("mlp_onnx/1"))) {
            assertThat(runner.signature().inputs()).extracting(TensorSpec::name).containsExactly("features");
            assertThat(runner.predict(Map.of("features", Tensor.ofFloats(Shape.of(1, 16), new float[16])))
                    .output("scores").shape()).isEqualTo(Shape.of(1, 3));
            assertThatThrownBy(() -> runner.predict(Map.of("x", Tensor.ofFloats(Shape.of(1, 16), new float[16]))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("Missing required input(s): features. Expected inputs: features; Unexpected input(s):"
                            + " x. Expected inputs: features");
        }
    }
}
