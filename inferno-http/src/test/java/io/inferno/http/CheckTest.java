package io.inferno.http;

import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.ModelRunner;
import io.inferno.runtime.TestModels;
import io.inferno.testing.PickyModel;
import io.inferno.testing.ScalingModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker ({@code inferno-server.jar check}) in process, over a repository with good and broken packages: real
 * runtimes (libtorch for the copied TorchScript sample), real files.
 */
class CheckTest {
    @TempDir
    Path repo;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int check(String... args) {
        return Check.run(List.of(args), ModelRunner.builder(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private Path copySample(String name, long version) throws IOException {
        Path from = Path.of("..", "models", name, Long.toString(version));
        Path to = repo.resolve(name).resolve(Long.toString(version));
        Files.createDirectories(to.getParent());
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
        return to;
    }

    private static final String ONE_ROW = "{\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 2],"
            + " \"data\": [[1, 2]]}}}";

    /** A repository with one package that passes and one of each kind of failure. */
    private void mixedRepository() throws IOException {
        copySample("torchscript", 2); // passes, 3 golden examples
        Path scaled = writeYaml(repo.resolve("scaled/2"), ScalingModel.yaml("scaled", 2, 8));
        writeFile(scaled.resolve("tests/doubles/request.json"), ONE_ROW);
        writeFile(scaled.resolve("tests/doubles/expected.json"), "{\"outputs\": {\"y\": {\"dtype\": \"float32\","
                + " \"shape\": [1, 2], \"data\": [[2, 5]]}}}"); // the model answers [2, 4]
        writeYaml(repo.resolve("badyaml/1"), ScalingModel.yaml("badyaml", 1, 8) + "colour: red\n");
        writeYaml(repo.resolve("missing/1"), "name: missing\nversion: 1\nformat: torchscript\nfile: model.ts\n"
                + "signature:\n  inputs: [{name: x, dtype: float32, shape: [batch, 4]}]\n"
                + "  outputs: [{name: y, dtype: float32, shape: [batch, 3]}]\n");
        writeYaml(repo.resolve("mismatch/1"), ScalingModel.yaml("mismatch", 1,
                TestModels.Factories.class.getName() + "::wrongDtype", 8, 16));
        Path picky = writeYaml(repo.resolve("picky/1"), ScalingModel.yaml("picky", 1, PickyModel.class.getName(), 8,
                16));
        writeFile(picky.resolve("tests/rejects/request.json"), ONE_ROW);
        writeFile(picky.resolve("tests/rejects/expected.json"), "{\"error\": \"negative value\"}");
        writeFile(picky.resolve("tests/broken/request.json"), "{\"inputs\": {}, \"oops\": 1}");
        writeFile(picky.resolve("tests/broken/expected.json"), "{\"error\": \"x\"}");
        writeFile(repo.resolve("notes/1/readme.txt"), "no model.yaml here");
    }

    @Test
    void printsOneLinePerVersionWithTheReasonOfEachFailure() throws IOException {
        mixedRepository();

        assertThat(check("check", repo.toString())).isEqualTo(Check.FAILED);

        List<String> lines = out().lines().toList();
        assertThat(lines).hasSize(8);
        assertThat(lines.get(0)).startsWith("FAIL  badyaml:1  config: badyaml/1/model.yaml: colour: unknown key");
        assertThat(lines.get(1)).startsWith("FAIL  mismatch:1  load: ")
                .contains("the model's outputs disagree with its signature in the dry run: output 'y' has dtype"
                        + " int32; model.yaml declares float32");
        assertThat(lines.get(2)).startsWith("FAIL  missing:1  load: ")
                .contains("model.ts: model file not found (model.yaml file: model.ts)");
        assertThat(lines.get(3)).startsWith("FAIL  picky:1  golden: ")
                .contains("broken/request.json: unknown field 'oops'");
        assertThat(lines.get(4)).isEqualTo("FAIL  scaled:2  golden: 1 of 1 golden example failed: 'doubles': output"
                + " 'y' differs in 1 of 2 elements beyond the tolerance (absolute 1.0E-6, relative 1.0E-5); the worst"
                + " is at [0, 1]: got 4.0, expected 5.0 (difference 1.0, allowed 5.1E-5)");
        assertThat(lines.get(5)).isEqualTo("PASS  torchscript:2  loaded, dry run passed, 3 golden examples passed");
        assertThat(lines.get(6)).startsWith("SKIP  notes/1  no model.yaml");
        assertThat(lines.get(7)).isEqualTo("6 checked in " + repo.toRealPath() + ": 1 passed, 5 failed");
    }

    @Test
    void aGoldenErrorThatDoesNotComeFailsItsExample() throws IOException {
        Path picky = writeYaml(repo.resolve("picky/1"), ScalingModel.yaml("picky", 1, PickyModel.class.getName(), 8,
                16));
        writeFile(picky.resolve("tests/rejects/request.json"), ONE_ROW);
        writeFile(picky.resolve("tests/rejects/expected.json"), "{\"error\": \"negative value\"}");

        assertThat(check("check", repo.toString())).isEqualTo(Check.FAILED);

        assertThat(out()).startsWith("FAIL  picky:1  golden: 1 of 1 golden example failed: 'rejects': expected an"
                + " error containing 'negative value', but the prediction succeeded with outputs y, x_copy\n");
    }

    @Test
    void exitsZeroWhenEveryVersionPasses() throws IOException {
        copySample("torchscript", 1);
        Path picky = writeYaml(repo.resolve("picky/1"), ScalingModel.yaml("picky", 1, PickyModel.class.getName(), 8,
                16));
        writeFile(picky.resolve("tests/negative/request.json"), ONE_ROW.replace("[[1, 2]]", "[[1, -2]]"));
        writeFile(picky.resolve("tests/negative/expected.json"), "{\"error\": \"x holds a negative value: -2.0\"}");

        assertThat(check("check", repo.toString())).isEqualTo(Check.PASSED);

        assertThat(out().lines()).containsExactly(
                "PASS  picky:1  loaded, dry run passed, 1 golden example passed",
                "PASS  torchscript:1  loaded, dry run passed, 2 golden examples passed",
                "2 checked in " + repo.toRealPath() + ": 2 passed, 0 failed");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void printsAJsonReport() throws IOException {
        mixedRepository();

        assertThat(check("check", "--json", repo.toString())).isEqualTo(Check.FAILED);

        JsonNode report = new ObjectMapper().readTree(out());
        assertThat(report.get("repository").asText()).isEqualTo(repo.toRealPath().toString());
        assertThat(report.get("passed").asBoolean()).isFalse();
        assertThat(report.get("versions")).hasSize(6);
        JsonNode bad = report.get("versions").get(0);
        assertThat(bad.get("model").asText()).isEqualTo("badyaml");
        assertThat(bad.get("version").asLong()).isEqualTo(1);
        assertThat(bad.get("passed").asBoolean()).isFalse();
        assertThat(bad.get("stage").asText()).isEqualTo("config");
        assertThat(bad.get("detail").asText()).contains("colour: unknown key");
        JsonNode good = report.get("versions").get(5);
        assertThat(good.get("model").asText()).isEqualTo("torchscript");
        assertThat(good.get("passed").asBoolean()).isTrue();
        assertThat(good.has("stage")).isFalse();
        assertThat(good.get("golden_examples").asInt()).isEqualTo(3);
        assertThat(report.get("skipped").get(0).get("path").asText()).isEqualTo("notes/1");
    }

    @Test
    void anEmptyRepositoryFails() {
        assertThat(check("check", repo.toString())).isEqualTo(Check.FAILED);

        assertThat(out()).isEqualTo("no model packages found in " + repo.toAbsolutePath() + "\n");
    }

    @Test
    void badUsageExitsTwoWithTheUsage() {
        assertThat(check("check")).isEqualTo(Check.USAGE);
        assertThat(check("check", "a", "b")).isEqualTo(Check.USAGE);
        assertThat(check("check", "--yaml", repo.toString())).isEqualTo(Check.USAGE);
        assertThat(check("serve")).isEqualTo(Check.USAGE);
        assertThat(check("check", repo.resolve("nowhere").toString())).isEqualTo(Check.USAGE);

        assertThat(out()).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("inferno check: expected one repository, got none")
                .contains("inferno check: expected one repository, got [a, b]")
                .contains("inferno check: unknown option '--yaml'")
                .contains("inferno: unknown command 'serve'")
                .contains("model repository " + repo.resolve("nowhere") + " does not exist")
                .contains(Check.USAGE_TEXT);
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(check("check", "--help")).isEqualTo(Check.PASSED);

        assertThat(out()).isEqualTo(Check.USAGE_TEXT + "\n");
    }
}
