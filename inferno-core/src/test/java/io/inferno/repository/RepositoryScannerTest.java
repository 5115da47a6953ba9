package io.inferno.repository;

import static io.inferno.repository.TestRepository.torchscriptYaml;
import static io.inferno.repository.TestRepository.writeFile;
import static io.inferno.repository.TestRepository.writePackage;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.model.TestFormats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryScannerTest {
    @TempDir
    Path tmp;

    private Path root;
    private final RepositoryScanner scanner = new RepositoryScanner(TestFormats.parser());

    @BeforeEach
    void repository() throws IOException {
        root = Files.createDirectory(tmp.resolve("repo")).toRealPath();
    }

    private static List<Long> versions(RepositorySnapshot snapshot, String model) {
        return snapshot.versions(model).stream().map(ModelPackage::version).toList();
    }

    /** Each skipped entry, relative to the root, to its reason. */
    private Map<String, String> skipped(RepositorySnapshot snapshot) {
        return snapshot.skipped().stream().collect(Collectors.toMap(
                s -> root.relativize(s.path()).toString(), SkippedPath::reason));
    }

    @Test
    void listsEveryModelWithItsVersionsInNumericOrder() {
        writePackage(root, "clf", 10);
        writePackage(root, "clf", 2);
        writePackage(root, "clf", 1);
        writePackage(root, "echo", 1);

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(snapshot.root()).isEqualTo(root);
        assertThat(snapshot.models()).containsOnlyKeys("clf", "echo");
        assertThat(versions(snapshot, "clf")).containsExactly(1L, 2L, 10L);
        assertThat(snapshot.failures()).isEmpty();
        assertThat(snapshot.skipped()).isEmpty();
    }

    @Test
    void packageKnowsItsDirectoryAndArtifact() {
        Path dir = writePackage(root, "clf", 3);

        ModelPackage p = scanner.scan(root).find("clf", 3).orElseThrow();

        assertThat(p.directory()).isEqualTo(dir);
        assertThat(p.artifact()).contains(dir.resolve("model.ts"));
        assertThat(p.config().id()).isEqualTo("clf:3");
    }

    @Test
    void skipsEverythingThatIsNotAPackageAndSaysWhy() {
        writePackage(root, "clf", 1);
        writeFile(root.resolve("README.md"), "models live here");
        writeYaml(root.resolve(".git").resolve("1"), "never: read");
        writeYaml(root.resolve("bad name").resolve("1"), "never: read");
        writeYaml(root.resolve("clf").resolve("01"), "never: read");
        writeYaml(root.resolve("clf").resolve("0"), "never: read");
        writeYaml(root.resolve("clf").resolve("-1"), "never: read");
        writeYaml(root.resolve("clf").resolve("v1"), "never: read");
        writeYaml(root.resolve("clf").resolve(".2"), "never: read");
        writeYaml(root.resolve("clf").resolve("99999999999999999999"), "never: read");
        writeFile(root.resolve("clf").resolve("notes.txt"), "");
        writeFile(root.resolve("clf").resolve("4").resolve("model.ts"), "");

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(versions(snapshot, "clf")).containsExactly(1L);
        assertThat(snapshot.failures()).isEmpty();
        String notVersion = "not a version: versions are positive integers without leading zeros, such as 1";
        assertThat(skipped(snapshot)).containsAllEntriesOf(Map.of(
                "README.md", "not a directory; expected a model directory <name>/<version>/model.yaml",
                ".git", "hidden",
                "bad name", "not a model name: names match [A-Za-z0-9][A-Za-z0-9_.-]*",
                "clf/01", notVersion,
                "clf/0", notVersion,
                "clf/-1", notVersion,
                "clf/v1", notVersion,
                "clf/.2", "hidden",
                "clf/99999999999999999999", notVersion,
                "clf/notes.txt", "not a directory; expected a version directory <version>/model.yaml"));
        assertThat(skipped(snapshot)).hasSize(11).containsEntry("clf/4", "no model.yaml");
    }

    @Test
    void brokenModelIsListedAsFailedWhileTheOthersLoad() {
        writePackage(root, "clf", 1);
        writePackage(root, "echo", 1);
        Path broken = writeYaml(root.resolve("clf").resolve("2"),
                torchscriptYaml("clf", 2).replace("int64", "int65") + "colour: red\n");
        writeFile(broken.resolve("model.ts"), "");

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(versions(snapshot, "clf")).containsExactly(1L);
        assertThat(versions(snapshot, "echo")).containsExactly(1L);
        assertThat(snapshot.failures()).singleElement().satisfies(f -> {
            assertThat(f.model()).isEqualTo("clf");
            assertThat(f.version()).isEqualTo(OptionalLong.of(2));
            assertThat(f.path()).isEqualTo(broken.resolve("model.yaml"));
            assertThat(f.reason()).startsWith("colour: unknown key").contains("; signature.inputs[0].dtype: ");
        });
    }

    @Test
    void modelWhoseEveryVersionFailsIsNotListedAsAModel() {
        writeYaml(root.resolve("clf").resolve("1"), "name: other\n");

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(snapshot.models()).isEmpty();
        assertThat(snapshot.versions("clf")).isEmpty();
        assertThat(snapshot.failures()).extracting(FailedPackage::model).containsExactly("clf");
    }

    @Test
    void modelDirectoryLinkedOutsideTheRepositoryIsRefused() throws IOException {
        writePackage(tmp.resolve("elsewhere"), "clf", 1);
        Files.createSymbolicLink(root.resolve("clf"), tmp.resolve("elsewhere").resolve("clf"));

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(snapshot.models()).isEmpty();
        assertThat(snapshot.failures()).singleElement().satisfies(f -> {
            assertThat(f.model()).isEqualTo("clf");
            assertThat(f.version()).isEmpty();
            assertThat(f.reason()).isEqualTo("clf is a symbolic link that resolves outside the repository; refused");
        });
    }

    @Test
    void versionDirectoryLinkedOutsideTheRepositoryIsRefused() throws IOException {
        Path outside = writePackage(tmp.resolve("elsewhere"), "clf", 2);
        writePackage(root, "clf", 1);
        Files.createSymbolicLink(root.resolve("clf").resolve("2"), outside);

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(versions(snapshot, "clf")).containsExactly(1L);
        assertThat(snapshot.failures()).singleElement().satisfies(f -> {
            assertThat(f.version()).isEqualTo(OptionalLong.of(2));
            assertThat(f.reason()).startsWith("clf/2 is a symbolic link that resolves outside");
        });
    }

    @Test
    void modelYamlLinkedOutsideTheRepositoryIsRefused() throws IOException {
        Path outside = writeYaml(tmp.resolve("elsewhere"), torchscriptYaml("clf", 1));
        Path dir = writeFile(root.resolve("clf").resolve("1").resolve("model.ts"), "");
        Files.createSymbolicLink(dir.resolve("model.yaml"), outside.resolve("model.yaml"));

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(snapshot.models()).isEmpty();
        assertThat(snapshot.failures()).singleElement().extracting(FailedPackage::reason)
                .isEqualTo("clf/1/model.yaml is a symbolic link that resolves outside the repository; refused");
    }

    @Test
    void artifactLinkedOutsideTheRepositoryIsRefused() throws IOException {
        Path outside = writeFile(tmp.resolve("elsewhere").resolve("model.ts"), "");
        Path dir = writeYaml(root.resolve("clf").resolve("1"), torchscriptYaml("clf", 1));
        Files.createSymbolicLink(dir.resolve("model.ts"), outside.resolve("model.ts"));

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(snapshot.models()).isEmpty();
        assertThat(snapshot.failures()).singleElement().extracting(FailedPackage::reason)
                .isEqualTo("clf/1/model.ts is a symbolic link that resolves outside the repository; refused");
    }

    @Test
    void linksThatStayInsideTheRepositoryAreFollowed() throws IOException {
        Path stored = writePackage(root.resolve(".store"), "clf", 1);
        Files.createDirectories(root.resolve("clf"));
        Files.createSymbolicLink(root.resolve("clf").resolve("1"), stored);
        Path yamlOnly = writeYaml(root.resolve(".store").resolve("echo"), torchscriptYaml("echo", 1));
        Path dir = writeFile(root.resolve("echo").resolve("1").resolve("model.ts"), "");
        Files.createSymbolicLink(dir.resolve("model.yaml"), yamlOnly.resolve("model.yaml"));
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("echo"));

        RepositorySnapshot snapshot = scanner.scan(root);

        assertThat(versions(snapshot, "clf")).containsExactly(1L);
        assertThat(versions(snapshot, "echo")).containsExactly(1L);
        // "alias" links to echo's directory: its model.yaml says echo, so it is refused for the name, not the link.
        assertThat(snapshot.failures()).singleElement().satisfies(f -> {
            assertThat(f.model()).isEqualTo("alias");
            assertThat(f.reason()).startsWith("name: 'echo' does not match the model directory 'alias'");
        });
    }

    @Test
    void brokenLinkIsSkipped() throws IOException {
        Files.createSymbolicLink(root.resolve("gone"), tmp.resolve("nowhere"));

        assertThat(skipped(scanner.scan(root))).containsExactly(Map.entry("gone", "broken symbolic link"));
    }

    @Test
    void rootMayItselfBeALink() throws IOException {
        writePackage(root, "clf", 1);
        Path link = Files.createSymbolicLink(tmp.resolve("current"), root);

        RepositorySnapshot snapshot = scanner.scan(link);

        assertThat(snapshot.root()).isEqualTo(root);
        assertThat(versions(snapshot, "clf")).containsExactly(1L);
    }

    @Test
    void scanModelRescansOneModelOnly() {
        writePackage(root, "clf", 1);
        writePackage(root, "clf", 2);
        writePackage(root, "echo", 1);

        RepositorySnapshot snapshot = scanner.scanModel(root, "clf");

        assertThat(snapshot.models()).containsOnlyKeys("clf");
        assertThat(versions(snapshot, "clf")).containsExactly(1L, 2L);
    }

    @Test
    void scanModelOfAModelThatIsGoneIsEmpty() {
        RepositorySnapshot snapshot = scanner.scanModel(root, "clf");

        assertThat(snapshot.models()).isEmpty();
        assertThat(snapshot.failures()).isEmpty();
        assertThat(snapshot.skipped()).isEmpty();
    }

    @Test
    void scanModelRefusesNamesThatAreNotModelNames() {
        assertThatThrownBy(() -> scanner.scanModel(root, "../etc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../etc'");
    }

    @Test
    void rootMustBeAnExistingDirectory() {
        assertThatThrownBy(() -> scanner.scan(tmp.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("does not exist");
        Path file = writeFile(tmp.resolve("file"), "").resolve("file");
        assertThatThrownBy(() -> scanner.scan(file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("is not a directory");
    }
}
