package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.inferno.InvalidInputException;
import io.inferno.ModelLoadException;
import io.inferno.ModelRunner;
import io.inferno.golden.GoldenResult;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The TorchScript samples in a {@link ModelRunner}: real libtorch, the samples' own golden examples. */
class TorchModelRunnerTest {
    @TempDir
    Path repo;

    @ParameterizedTest(name = "{0}:{1}")
    @CsvSource({"torchscript, 1, 2", "torchscript, 2, 3", "multi_io, 1, 2", "my_classifier, 1, 3"})
    void theSamplesPassTheirGoldenExamples(String name, long version, int examples) {
        try (ModelRunner runner = ModelRunner.open(Samples.MODELS, name, version)) {
            List<GoldenResult> results = runner.checkGoldenCases();

            assertThat(results).hasSize(examples);
            results.forEach(GoldenResult::assertPassed);
        }
    }

    @Test
    void predictsWithLibtorchAndValidatesAsTheServer() {
        try (ModelRunner runner = ModelRunner.open(Samples.MODELS.resolve("torchscript/2"))) {
            float[] y = runner.predict(Map.of("x", Tensor.ofFloats(Shape.of(1, 4), 1, 2, 3, 4))).output("y")
                    .toFloatArray();

            assertThat(y).containsExactly(new float[] {7.4972057f, 11.221074f, 12.7360935f},
                    within(1e-5f));
            assertThatThrownBy(() -> runner.predict(Map.of("x", Tensor.ofFloats(Shape.of(1, 3), 1, 2, 3))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("Input 'x' dimension 1 is 3; expected 4 (shape [batch, 4])");
        }
    }

    @Test
    void aGoldenExampleTheModelDoesNotMeetFailsNamingTheElement() throws IOException {
        Path version = copy("torchscript", 2);
        Path expected = version.resolve("tests/three_rows/expected.json");
        // the model answers 10.854574203491211 at [1, 2]
        Files.writeString(expected, Files.readString(expected).replace("10.854574203491211", "10.9"));

        try (ModelRunner runner = ModelRunner.open(version)) {
            GoldenResult result = runner.check(runner.goldenCases().stream()
                    .filter(c -> c.name().equals("three_rows")).findFirst().orElseThrow());

            assertThat(result.passed()).isFalse();
            assertThat(result.problems()).singleElement().satisfies(p -> assertThat(p).startsWith(
                    "output 'y' differs in 1 of 9 elements beyond the tolerance (absolute 1.0E-6, relative 1.0E-5);"
                            + " the worst is at [1, 2]: got 10.854574"));
            assertThatThrownBy(result::assertPassed).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("golden example 'three_rows'");
        }
    }

    @Test
    void aMissingArtifactFailsToOpenAsItFailsToLoad() throws IOException {
        Path version = copy("torchscript", 1);
        Files.delete(version.resolve("model.ts"));

        assertThatThrownBy(() -> ModelRunner.open(version))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.ts");
    }

    private Path copy(String name, long version) throws IOException {
        Path from = Samples.MODELS.resolve(name).resolve(Long.toString(version));
        Path to = repo.resolve(name).resolve(Long.toString(version));
        Files.createDirectories(to.getParent());
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
        return to;
    }
}
