package io.inferno.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.inferno.InvalidInputException;
import io.inferno.ModelRunner;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A model package's own unit test, written as its author would: the package {@code models/my_classifier/1} (a
 * TorchScript text classifier: int64 token ids [batch, seq] to probabilities over 4 classes) opened in a
 * {@link ModelRunner}, with no server. The runner loads it as the server would (model.yaml, libtorch, the warmup
 * sample) and validates each request as the server would, so what passes here serves.
 *
 * <p>The test needs {@code inferno-core} and the runtime of the package's format ({@code inferno-torch}) on the
 * test class path; see docs/testing-models.md.
 */
class ClassifierPackageTest {
    static final Path PACKAGE = Path.of("..", "models", "my_classifier", "1");

    ModelRunner classifier;

    @BeforeEach
    void open() {
        classifier = ModelRunner.open(PACKAGE);
    }

    @AfterEach
    void close() {
        classifier.close(); // frees libtorch's memory
    }

    /** Each golden example of the package ({@code tests/<name>/}) as a test of its own. */
    @TestFactory
    Stream<DynamicTest> goldenExamples() {
        return classifier.goldenCases().stream()
                .map(example -> dynamicTest(example.name(), () -> classifier.check(example).assertPassed()));
    }

    /** The model was trained so that class c's texts use mostly tokens from the c-th quarter of the vocabulary. */
    @Test
    void aTextOfOneQuarterOfTheVocabularyIsThatQuartersClass() {
        Random random = new Random(42);
        for (int c = 0; c < 4; c++) {
            long[] tokens = new long[16];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 250L * c + random.nextInt(250);
            }
            float[] probs = classify(Tensor.ofLongs(Shape.of(1, 16), tokens));

            assertThat(argmax(probs)).as("class of %s, probabilities %s", Arrays.toString(tokens),
                    Arrays.toString(probs)).isEqualTo(c);
        }
    }

    @Test
    void everyRowIsAProbabilityDistribution() {
        float[] probs = classify(tokens(5, 32, new Random(7)));

        for (int row = 0; row < 5; row++) {
            float sum = 0;
            for (int c = 0; c < 4; c++) {
                assertThat(probs[row * 4 + c]).isBetween(0f, 1f);
                sum += probs[row * 4 + c];
            }
            assertThat(sum).as("row %d", row).isCloseTo(1f, within(1e-5f));
        }
    }

    /** The server batches requests together, so a row must get the same answer in a batch as alone. */
    @Test
    void aRowInABatchIsAnsweredAsAlone() {
        Tensor batch = tokens(3, 16, new Random(11));
        float[] together = classify(batch);

        for (int row = 0; row < 3; row++) {
            assertThat(classify(batch.sliceRows(row, row + 1)))
                    .containsExactly(Arrays.copyOfRange(together, row * 4, row * 4 + 4), within(1e-5f));
        }
    }

    /** What a client sending floats gets, as the server's 422 says it. */
    @Test
    void refusesFloatTokens() {
        Tensor floats = Tensor.ofFloats(Shape.of(1, 2), 5, 260);

        assertThatThrownBy(() -> classifier.predict(Map.of("tokens", floats)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Input 'tokens' has dtype float32; expected int64");
    }

    private float[] classify(Tensor tokens) {
        return classifier.predict(Map.of("tokens", tokens)).output("probs").toFloatArray();
    }

    private static Tensor tokens(int rows, int seq, Random random) {
        long[] ids = new long[rows * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(1000);
        }
        return Tensor.ofLongs(Shape.of(rows, seq), ids);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }
}
