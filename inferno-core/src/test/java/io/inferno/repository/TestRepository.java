package io.inferno.repository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds model repositories on disk for tests (shared with other modules through the test jar). */
public final class TestRepository {
    private TestRepository() {}

    /** A valid, batchable torchscript model.yaml: {@code tokens} int64 [batch, seq] to {@code probs} [batch, 3]. */
    public static String torchscriptYaml(String name, long version) {
        return """
                name: %s
                version: %d
                format: torchscript
                signature:
                  inputs:
                    - {name: tokens, dtype: int64, shape: [batch, seq]}
                  outputs:
                    - {name: probs, dtype: float32, shape: [batch, 3]}
                """.formatted(name, version);
    }

    /** Writes {@code <root>/<name>/<version>/model.yaml} and an empty {@code model.ts}; returns the version dir. */
    public static Path writePackage(Path root, String name, long version) {
        Path dir = writeYaml(root.resolve(name).resolve(Long.toString(version)), torchscriptYaml(name, version));
        return writeFile(dir.resolve("model.ts"), "");
    }

    /** Writes {@code model.yaml} into {@code directory} (created if needed); returns the directory. */
    public static Path writeYaml(Path directory, String yaml) {
        writeFile(directory.resolve("model.yaml"), yaml);
        return directory;
    }

    /** Writes a file, creating its parent directories; returns the file's parent. */
    public static Path writeFile(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return file.getParent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
