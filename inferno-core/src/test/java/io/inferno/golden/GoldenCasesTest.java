package io.inferno.golden;

import static io.inferno.repository.TestRepository.writeFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.inferno.ModelConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code tests/<name>/request.json} and {@code expected.json}. */
class GoldenCasesTest {
    @TempDir
    Path version;

    private static final String X = "{\"x\": {\"dtype\": \"float32\", \"shape\": [1, 2], \"data\": [[1, 2]]}}";

    private void example(String name, String request, String expected) {
        writeFile(version.resolve("tests").resolve(name).resolve("request.json"), request);
        writeFile(version.resolve("tests").resolve(name).resolve("expected.json"), expected);
    }

    @Test
    void aVersionWithoutTestsHasNoExamples() {
        assertThat(GoldenCases.read(version)).isEmpty();
    }

    @Test
    void readsEveryExampleSortedByName() {
        example("b_error", "{\"inputs\": {}, \"timeout_ms\": 5, \"codec\": \"json\"}",
                "{\"error\": \"Missing required input(s): x\"}");
        example("a_outputs", "{\"inputs\": " + X + ", \"outputs\": [\"y\"]}",
                "{\"model\": \"m\", \"version\": 1, \"outputs\": {\"y\": {\"dtype\": \"int64\", \"shape\": [1],"
                        + " \"data\": [3]}}, \"tolerance\": {\"relative\": 0.5}}");
        writeFile(version.resolve("tests/README.md"), "golden examples");
        writeFile(version.resolve("tests/.hidden/request.json"), "not read");

        List<GoldenCase> cases = GoldenCases.read(version);

        assertThat(cases).extracting(GoldenCase::name).containsExactly("a_outputs", "b_error");
        GoldenCase a = cases.get(0);
        assertThat(a.inputs().get("x").toFloatArray()).containsExactly(1, 2);
        assertThat(a.outputs()).contains(List.of("y"));
        assertThat(a.expectedOutputs().get("y").toLongArray()).containsExactly(3);
        assertThat(a.tolerance()).isEqualTo(new Tolerance(Tolerance.DEFAULT.absolute(), 0.5));
        assertThat(a.expectedError()).isEmpty();
        GoldenCase b = cases.get(1);
        assertThat(b.inputs()).isEmpty();
        assertThat(b.outputs()).isEmpty();
        assertThat(b.expectedError()).contains("Missing required input(s): x");
        assertThat(b.tolerance()).isEqualTo(Tolerance.DEFAULT);
    }

    @Test
    void listsEveryProblemOfEveryExampleWithItsFile() {
        example("bad_json", "{\"inputs\": ", "{\"error\": \"x\"}");
        example("bad_fields", "{\"inputs\": " + X + ", \"input\": 1, \"outputs\": \"y\"}",
                "{\"outputs\": {}, \"error\": 3, \"tolerance\": {\"absolute\": -1}}");
        example("no_expectation", "{\"inputs\": " + X + "}", "{}");
        writeFile(version.resolve("tests/no_expected/request.json"), "{\"inputs\": " + X + "}");

        ModelConfigException e = catchThrowableOfType(() -> GoldenCases.read(version), ModelConfigException.class);

        assertThat(e.file()).isEqualTo(version.resolve("tests"));
        assertThat(e.problems()).containsExactly(
                "bad_fields/request.json: unknown field 'input'; expected codec, inputs, outputs, timeout_ms",
                "bad_fields/request.json: outputs must be a list of output names, got '\"y\"'",
                "bad_fields/expected.json: has both outputs and error; expected one of them",
                "bad_fields/expected.json: outputs must be an object of name to tensor payload, with at least one"
                        + " tensor, got '{}'",
                "bad_fields/expected.json: tolerance: absolute tolerance must be a finite number, 0 or more, got -1.0",
                e.problems().get(5),
                "no_expectation/expected.json: needs outputs (the expected output tensors) or error (text the error"
                        + " message contains)",
                "no_expected/expected.json: no such file, or not a regular file");
        assertThat(e.problems().get(5)).startsWith("bad_json/request.json: not valid JSON: ");
    }

    @Test
    void aPayloadThatDoesNotDecodeIsNamed() {
        example("bad_payload", "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [2], \"data\": [1]}}}",
                "{\"error\": \"x\"}");

        ModelConfigException e = catchThrowableOfType(() -> GoldenCases.read(version), ModelConfigException.class);

        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p)
                .startsWith("bad_payload/request.json: inputs: ").contains("'x'"));
    }

    @Test
    void aCaseJudgesOutputsAndErrors() {
        GoldenCase outputs = new GoldenCase("o", version, Map.of(), Optional.empty(),
                Map.of("y", io.inferno.tensor.Tensor.ofLongs(io.inferno.tensor.Shape.of(1), 3)), Optional.empty(),
                Tolerance.DEFAULT);
        GoldenCase error = new GoldenCase("e", version, Map.of(), Optional.empty(), Map.of(),
                Optional.of("negative"), Tolerance.DEFAULT);

        assertThat(outputs.resultOf(Map.of()).problems())
                .containsExactly("output 'y' is missing; the prediction returned nothing");
        assertThat(outputs.resultOf(new IllegalStateException("boom")).problems())
                .containsExactly("the prediction failed: IllegalStateException: boom");
        assertThat(error.resultOf(new IllegalArgumentException("x is negative")).passed()).isTrue();
        assertThat(error.resultOf(new IllegalArgumentException("too big")).problems())
                .containsExactly("expected an error containing 'negative', got IllegalArgumentException: too big");
        assertThat(error.resultOf(Map.of("y", io.inferno.tensor.Tensor.ofLongs(io.inferno.tensor.Shape.of(1), 3)))
                .problems()).containsExactly("expected an error containing 'negative', but the prediction succeeded"
                        + " with outputs y");
    }
}
