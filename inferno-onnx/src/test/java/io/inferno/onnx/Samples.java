package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.codec.TensorCodec;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sample repository (/models), its reference inputs and outputs, and loading through the SPI. This module's tests
 * have both runtimes, ONNX and TorchScript, so every sample parses.
 */
final class Samples {
    /** The repository root; surefire passes it, the fallback works from the module directory. */
    static final Path MODELS = Path.of(System.getProperty("inferno.models", "../models"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RepositorySnapshot snapshot; // guarded by Samples.class

    private Samples() {}

    /** One reference case: inputs in signature order and the outputs the exporting PyTorch computed. */
    record Case(Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
        long rows() {
            return inputs.values().iterator().next().rows();
        }
    }

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
    static List<Case> reference(String name, long version) {
        String resource = "/reference/" + name + "-" + version + ".json";
        try (InputStream in = referenceStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : JSON.readTree(in).get("cases")) {
                cases.add(new Case(tensors(c.get("inputs")), tensors(c.get("outputs"))));
            }
            return cases;
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

    private static Map<String, Tensor> tensors(JsonNode object) throws IOException {
        try (JsonParser parser = JSON.treeAsTokens(object)) {
            return TensorCodec.decodeNamed(parser);
        }
    }

    /** Asserts two float32 tensors agree in shape and within a relative tolerance of {@code 1e-4}. */
    static void assertClose(Tensor actual, Tensor expected, String what) {
        assertThat(actual.dtype()).as(what + " dtype").isEqualTo(expected.dtype());
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        float[] got = actual.toFloatArray();
        float[] want = expected.toFloatArray();
        for (int i = 0; i < want.length; i++) {
            double error = Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i]));
            assertThat(error).as("%s element %d: got %s, want %s", what, i, got[i], want[i]).isLessThan(1e-4);
        }
    }

    /** {@code rows} rows of {@code seq} token ids in [0, 1000), different for every seed. */
    static Tensor tokens(int rows, int seq, long seed) {
        long[] ids = new long[rows * seq];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < ids.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            ids[i] = Math.floorMod(x, 1000);
        }
        return Tensor.ofLongs(Shape.of(rows, seq), ids);
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
