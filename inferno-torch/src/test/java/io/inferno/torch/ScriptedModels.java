package io.inferno.torch;

import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.RuntimeOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes small TorchScript files from TorchScript source, without Python.
 *
 * <p>A file saved by {@code torch.jit.save} is a zip archive under one top-level directory: {@code version},
 * {@code constants.pkl}, {@code data.pkl} (the pickled module object, naming its class) and
 * {@code code/__torch__.py} (the class's TorchScript source, which libtorch compiles at load). A module without
 * parameters needs nothing else, so tests can state a model's {@code forward} in a few lines. The layout is what
 * torch 1.13's exporter writes (see broken/arity3.ts) and loads in libtorch 2.7.1.
 */
final class ScriptedModels {
    private ScriptedModels() {}

    /**
     * Writes {@code <directory>/model.ts} for a module of class {@code className} whose forward is
     * {@code def forward(self, <parameters>) -> <returns>: <body>} and returns the directory.
     *
     * @param body one or more lines of TorchScript, without indentation
     */
    static Path write(Path directory, String className, String parameters, String returns, String body) {
        String source = "class " + className + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward(self: __torch__." + className + (parameters.isEmpty() ? "" : ", " + parameters)
                + ") -> " + returns + ":\n"
                + body.lines().map(l -> "    " + l + "\n").reduce("", String::concat);
        byte[] module = ("\u0080\u0002c__torch__\n" + className + "\nq\u0000)\u0081}(X\u0008\u0000\u0000\u0000"
                + "trainingq\u0001\u0089ubq\u0002.").getBytes(StandardCharsets.ISO_8859_1);
        try {
            Files.createDirectories(directory);
            try (OutputStream file = Files.newOutputStream(directory.resolve("model.ts"));
                    ZipOutputStream zip = new ZipOutputStream(file)) {
                String root = className.toLowerCase() + "/";
                entry(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
                entry(zip, root + "constants.pkl", "\u0080\u0002).".getBytes(StandardCharsets.ISO_8859_1));
                entry(zip, root + "data.pkl", module);
                entry(zip, root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            }
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    /** Loads a written model with the runtime alone (no warmup or dry run), checked against {@code signature}. */
    static TorchScriptModel load(Path directory, Signature signature) {
        return (TorchScriptModel) new TorchScriptRuntime().load(new ModelContext(directory,
                config(directory.getParent().getFileName().toString(), signature), RuntimeOptions.DEFAULTS));
    }

    /** A torchscript model.yaml equivalent, for loading a written model with a given signature. */
    static ModelConfig config(String name, Signature signature) {
        return new ModelConfig(name, 1, TorchScriptRuntime.FORMAT, Optional.empty(), Optional.of("model.ts"),
                signature, BatchingConfig.DEFAULTS, 1, Codec.JSON, List.of());
    }
}
