package io.inferno.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelContext#artifact()}: the checks every runtime that reads an artifact relies on. */
class ModelContextTest {
    @TempDir
    Path tmp;

    private ModelContext context(Path dir, Optional<String> file) {
        ModelConfig config = new ModelConfig("m", 1, "onnx", Optional.empty(), file, TestModels.XY,
                BatchingConfig.DEFAULTS, 1, Codec.JSON, List.of());
        return new ModelContext(dir, config, RuntimeOptions.DEFAULTS);
    }

    @Test
    void theArtifactIsTheNamedRegularFileInTheVersionDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m/1"));
        Files.writeString(dir.resolve("model.onnx"), "x");

        assertThat(context(dir, Optional.of("model.onnx")).artifact())
                .isEqualTo(dir.toAbsolutePath().normalize().resolve("model.onnx"));
    }

    @Test
    void aMissingFileADirectoryAndNoFileAtAllAreLoadErrorsNamingThePath() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m/1"));
        Files.createDirectories(dir.resolve("graph.onnx"));
        Path abs = dir.toAbsolutePath().normalize();

        assertThatThrownBy(() -> context(dir, Optional.of("model.onnx")).artifact())
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(abs.resolve("model.onnx") + ": model file not found (model.yaml file: model.onnx)");
        assertThatThrownBy(() -> context(dir, Optional.of("graph.onnx")).artifact())
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(abs.resolve("graph.onnx") + ": model file is not a regular file");
        assertThatThrownBy(() -> context(dir, Optional.empty()).artifact())
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir.resolve("model.yaml") + ": format onnx needs a model file (file: in model.yaml)");
    }

    @Test
    void aFileOrALinkLeadingOutsideTheVersionDirectoryIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m/1"));
        Path outside = Files.writeString(tmp.resolve("secret.onnx"), "x");
        Files.createSymbolicLink(dir.resolve("link.onnx"), outside);
        Path abs = dir.toAbsolutePath().normalize();

        assertThatThrownBy(() -> context(dir, Optional.of("../../secret.onnx")).artifact())
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model file '../../secret.onnx' is outside the version directory " + abs);
        assertThatThrownBy(() -> context(dir, Optional.of("link.onnx")).artifact())
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(abs.resolve("link.onnx") + ": model file links to " + outside.toRealPath()
                        + ", outside the version directory");
    }
}
