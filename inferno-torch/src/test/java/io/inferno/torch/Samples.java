package io.inferno.torch;

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
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/** The sample repository (/models), its reference inputs and outputs, and loading through the SPI. */
final class Samples {
    /** The repository root; surefire passes it, the fallback works from the module directory. */
    static final Path MODELS = Path.of(System.getProperty("inferno.models", "../models"));

    private static RepositorySnapshot snapshot; // guarded by Samples.class

    private Samples() {}

    static synchronized RepositorySnapshot snapshot() {
        if (snapshot == null) {
            snapshot = new RepositoryScanner().scan(MODELS);
            // the repository also holds ONNX samples, whose runtime (inferno-onnx) this module does not have
            assertThat(snapshot.failures()).as("sample packages that fail to parse").allSatisfy(f -> assertThat(
                    f.reason()).startsWith("format: unsupported format 'onnx'; supported: java, torchscript"));
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

    /** Loads a sample through the SPI: the discovered runtimes, the loader's warmup or dry run included. */
    static TorchScriptModel load(String name, long version) {
        ModelPackage p = sample(name, version);
        Model model = loader(RuntimeOptions.DEFAULTS).load(p.directory(), p.config());
        assertThat(model).isInstanceOf(TorchScriptModel.class);
        return (TorchScriptModel) model;
    }

    /** The cases of {@code reference/<name>-<version>.json}. */
    static List<ReferenceCases.Case> reference(String name, long version) {
        String resource = "/reference/" + name + "-" + version + ".json";
        InputStream in = Samples.class.getResourceAsStream(resource);
        assertThat(in).as(resource).isNotNull();
        return ReferenceCases.read(in);
    }

    /** {@code rows} rows of 4 floats, different for every seed. */
    static Tensor features(int rows, long seed) {
        float[] x = new float[rows * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(seed * 31 + i) * 3;
        }
        return Tensor.ofFloats(Shape.of(rows, 4), x);
    }
}
