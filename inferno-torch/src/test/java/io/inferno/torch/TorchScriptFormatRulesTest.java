package io.inferno.torch;

import static io.inferno.repository.TestRepository.torchscriptYaml;
import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.model.TestFormats;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Runtimes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The torchscript format's model.yaml rules belong to this runtime; checking them starts no libtorch. */
class TorchScriptFormatRulesTest {
    @TempDir
    Path repo;

    private RepositorySnapshot scan() {
        Runtimes runtimes = Runtimes.builder().register(new TorchScriptRuntime()).build();
        return new RepositoryScanner(runtimes.configParser()).scan(repo);
    }

    @Test
    void withoutFileTheArtifactIsModelTsElseModelPt() {
        Path both = writeYaml(repo.resolve("both/1"), torchscriptYaml("both", 1));
        writeFile(both.resolve("model.ts"), "");
        writeFile(both.resolve("model.pt"), "");
        Path pt = writeYaml(repo.resolve("pt/1"), torchscriptYaml("pt", 1));
        writeFile(pt.resolve("model.pt"), "");

        RepositorySnapshot snapshot = scan();

        assertThat(snapshot.failures()).isEmpty();
        assertThat(snapshot.find("both", 1).orElseThrow().config().file()).contains("model.ts");
        assertThat(snapshot.find("pt", 1).orElseThrow().config().file()).contains("model.pt");
    }

    @Test
    void packageWithoutFileAndWithoutADefaultArtifactIsRefusedWhenScanned() {
        writeYaml(repo.resolve("empty/1"), torchscriptYaml("empty", 1));

        assertThat(scan().failures()).singleElement().satisfies(f -> assertThat(f.reason()).isEqualTo(
                "file: not set, and the version directory holds neither model.ts nor model.pt; add the artifact or"
                        + " name it in file"));
    }

    @Test
    void theDefaultScannerFindsThisRuntimeWithServiceLoader() {
        Path dir = writeYaml(repo.resolve("clf/1"), torchscriptYaml("clf", 1));
        writeFile(dir.resolve("model.ts"), "");

        assertThat(new RepositoryScanner().scan(repo).find("clf", 1)).isPresent();
    }

    @Test
    void coreTestsStandInForTheseRulesFaithfully() {
        assertThat(new TorchScriptRuntime().formatRules()).isEqualTo(TestFormats.TORCHSCRIPT);
    }
}
