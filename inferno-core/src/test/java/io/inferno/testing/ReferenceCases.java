package io.inferno.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.codec.TensorCodec;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reference inputs and outputs that scripts/export_models.py records for the sample models
 * ({@code reference/<name>-<version>.json} in the runtimes' test resources), and how runtime tests compare against
 * them. Shared by the TorchScript and ONNX runtimes' tests through the test jar.
 */
public final class ReferenceCases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceCases() {}

    /** One reference case: inputs in signature order and the outputs the exporting PyTorch computed. */
    public record Case(Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
        public long rows() {
            return inputs.values().iterator().next().rows();
        }
    }

    /** The cases of a reference file: {@code {"cases": [{"inputs": {...}, "outputs": {...}}]}}, payloads as JSON. */
    public static List<Case> read(InputStream json) {
        try (json) {
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : JSON.readTree(json).get("cases")) {
                cases.add(new Case(tensors(c.get("inputs")), tensors(c.get("outputs"))));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Tensor> tensors(JsonNode object) throws IOException {
        try (JsonParser parser = JSON.treeAsTokens(object)) {
            return TensorCodec.decodeNamed(parser);
        }
    }

    /** Asserts two float32 tensors agree in shape and within a relative tolerance of {@code 1e-4}. */
    public static void assertClose(Tensor actual, Tensor expected, String what) {
        assertThat(actual.dtype()).as(what + " dtype").isEqualTo(expected.dtype());
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        float[] got = actual.toFloatArray();
        float[] want = expected.toFloatArray();
        for (int i = 0; i < want.length; i++) {
            double error = Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i]));
            assertThat(error).as("%s element %d: got %s, want %s", what, i, got[i], want[i]).isLessThan(1e-4);
        }
    }

    /** {@code rows} rows of {@code seq} token ids in [0, 1000), the classifier's vocabulary, different per seed. */
    public static Tensor tokens(int rows, int seq, long seed) {
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
}
