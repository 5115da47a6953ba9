package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ReferenceCases;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The sample repository (/models), its reference inputs and outputs, and loading through the SPI. This module's tests
 * have both runtimes, ONNX and TorchScript, so every sample parses.
 */
final class Samples {
    /** The repository root; surefire passes it, the fallback works from the module directory. */
    static final Path MODELS = Path.of(System.getProperty("inferno.models", "../models"));

    private static RepositorySnapshot snapshot; // guarded by Samples.class

    private Samples() {}

    static synchronized RepositorySnapshot snapshot() {
        if (snapshot == null) {
            snapshot = new RepositoryScanner().scan(MODELS);
            assertThat(snapshot.failures()).as("sample packages that fail to parse").isEmpty();
        }
        return snapshot;
    }

    static ModelPackage sample(String name, long version) {
        return snapshot().find(name, version).orElseThrow(
                () -> new AssertionError("sample " + name + ":" + version + " not found in " + MODELS));
    }

    static ModelLoader loader(RuntimeOptions options) {
        return new ModelLoader(Runtimes.discovered(Samples.class.getClassLoader()), options);
    }

    /** Loads an ONNX sample through the SPI: the discovered runtimes, the loader's warmup or dry run included. */
    static OnnxModel load(String name, long version) {
        ModelPackage p = sample(name, version);
        Model model = loader(RuntimeOptions.DEFAULTS).load(p.directory(), p.config());
        assertThat(model).isInstanceOf(OnnxModel.class);
        return (OnnxModel) model;
    }

    /**
     * The cases of {@code reference/<name>-<version>.json}: the ONNX samples' from this module's resources, the
     * TorchScript samples' from inferno-torch's.
     */
    static List<ReferenceCases.Case> reference(String name, long version) {
        String resource = "/reference/" + name + "-" + version + ".json";
        try {
            InputStream in = referenceStream(resource);
            assertThat(in).as(resource).isNotNull();
            return ReferenceCases.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This module's references, else the TorchScript samples' in inferno-torch's test resources. */
    private static InputStream referenceStream(String resource) throws IOException {
        InputStream own = Samples.class.getResourceAsStream(resource);
        if (own != null) {
            return own;
        }
        Path torch = MODELS.resolve("../inferno-torch/src/test/resources" + resource);
        return Files.isRegularFile(torch) ? Files.newInputStream(torch) : null;
    }

    /** {@code rows} rows of 16 floats, the MLP sample's features, different for every seed. */
    static Tensor features(int rows, long seed) {
        float[] x = new float[rows * 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(seed * 31 + i) * 3;
        }
        return Tensor.ofFloats(Shape.of(rows, 16), x);
    }
}
