package io.inferno.onnx;

import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.model.BatchingConfig;
import io.inferno.model.FormatRules;
import io.inferno.model.TestFormats;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Runtimes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The onnx format's model.yaml rules belong to this runtime; checking them starts no ONNX Runtime. */
class OnnxFormatRulesTest {
    @TempDir
    Path repo;

    private RepositorySnapshot scan() {
        Runtimes runtimes = Runtimes.builder().register(new OnnxRuntime()).build();
        return new RepositoryScanner(runtimes.configParser()).scan(repo);
    }

    private static String yaml(String name) {
        return "name: " + name + "\nversion: 1\nformat: onnx\n";
    }

    @Test
    void withoutFileTheArtifactIsModelOnnx() {
        writeFile(writeYaml(repo.resolve("clf/1"), yaml("clf")).resolve("model.onnx"), "");

        RepositorySnapshot snapshot = scan();

        assertThat(snapshot.failures()).isEmpty();
        assertThat(snapshot.find("clf", 1).orElseThrow().config().file()).contains("model.onnx");
    }

    @Test
    void aPackageWithoutFileAndWithoutModelOnnxIsRefusedWhenScanned() {
        writeYaml(repo.resolve("empty/1"), yaml("empty"));

        assertThat(scan().failures()).singleElement().satisfies(f -> assertThat(f.reason()).isEqualTo(
                "file: not set, and the version directory holds no model.onnx; add the artifact or name it in file"));
    }

    @Test
    void signatureMayBeLeftOutAndBatchingIsThenResolvedAsForABatchableModel() {
        writeFile(writeYaml(repo.resolve("clf/1"), yaml("clf") + "file: graph.onnx\n").resolve("graph.onnx"), "");

        var config = scan().find("clf", 1).orElseThrow().config();

        assertThat(config.signature()).isEmpty();
        assertThat(config.file()).contains("graph.onnx");
        assertThat(config.batching()).isEqualTo(BatchingConfig.DEFAULTS);
    }

    @Test
    void theRulesAreAnArtifactWithADefaultAndAnOptionalSignature() {
        FormatRules rules = new OnnxRuntime().formatRules();

        assertThat(rules).isEqualTo(FormatRules.artifactFile(List.of("model.onnx")).withOptionalSignature());
        assertThat(rules.signatureOptional()).isTrue();
    }

    @Test
    void coreTestsStandInForTheseRulesFaithfully() {
        assertThat(new OnnxRuntime().formatRules()).isEqualTo(TestFormats.ONNX);
    }

    @Test
    void theDefaultScannerFindsThisRuntimeWithServiceLoader() {
        writeFile(writeYaml(repo.resolve("clf/1"), yaml("clf")).resolve("model.onnx"), "");

        assertThat(new RepositoryScanner().scan(repo).find("clf", 1)).isPresent();
    }
}
