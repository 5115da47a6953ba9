package io.inferno.onnx;

import static io.inferno.onnx.OnnxGraphs.FLOAT;
import static io.inferno.onnx.OnnxGraphs.INT64;
import static io.inferno.onnx.OnnxGraphs.UINT16;
import static io.inferno.onnx.OnnxGraphs.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.ModelConfig;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The graph's declared inputs and outputs against model.yaml's signature: every kind of disagreement refuses the
 * load with a message naming it, and without a signature the graph's is served.
 */
class GraphSignatureTest {
    @TempDir
    Path tmp;

    /**
     * Inputs a float [batch, 3] and b int64 [batch, seq]; outputs y = a, c = b and s, a sequence holding a.
     */
    private Path twoInputs() {
        return OnnxGraphs.graph()
                .input("a", FLOAT, "batch", 3)
                .input("b", INT64, "batch", "seq")
                .output("y", FLOAT, "batch", 3)
                .output("c", INT64, "batch", "seq")
                .sequenceOutput("s", FLOAT)
                .node("Identity", List.of("a"), List.of("y"))
                .node("Identity", List.of("b"), List.of("c"))
                .node("SequenceConstruct", List.of("a"), List.of("s"))
                .write(tmp.resolve("two/1"));
    }

    /** x float [1, 3] (a batch fixed at one row) to y = x. */
    private Path fixedBatch() {
        return OnnxGraphs.graph()
                .input("x", FLOAT, 1, 3)
                .output("y", FLOAT, 1, 3)
                .node("Identity", List.of("x"), List.of("y"))
                .write(tmp.resolve("fixed/1"));
    }

    private static TensorSpec a(Dim... shape) {
        return TensorSpec.of("a", DType.FLOAT32, shape);
    }

    private static final TensorSpec A = a(Dim.BATCH, Dim.fixed(3));
    private static final TensorSpec B = TensorSpec.of("b", DType.INT64, Dim.BATCH, Dim.symbolic("seq"));
    private static final TensorSpec Y = TensorSpec.of("y", DType.FLOAT32, Dim.BATCH, Dim.fixed(3));

    private static Signature signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
        return new Signature(inputs, outputs);
    }

    @Test
    void aSignatureThatAgreesLoadsAndRunsByName() throws Exception {
        // inputs in another order than the graph's, and only one of its three outputs
        Signature agreeing = signature(List.of(B, A), List.of(Y));
        try (OnnxModel model = OnnxGraphs.load(twoInputs(), agreeing)) {
            Tensor x = Tensor.ofFloats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
            Map<String, Tensor> out = model.predict(Map.of("b", Tensor.ofLongs(Shape.of(2, 1), 7, 8), "a", x));

            assertThat(out).containsOnlyKeys("y");
            assertThat(out.get("y")).isEqualTo(x);
        }
    }

    static Stream<Arguments> disagreements() {
        return Stream.of(
                Arguments.of("dtype", signature(List.of(TensorSpec.of("a", DType.FLOAT64, Dim.BATCH, Dim.fixed(3)), B),
                        List.of(Y)), "input 'a' is float64 in model.yaml, float32 in the graph"),
                Arguments.of("rank", signature(List.of(a(Dim.BATCH, Dim.fixed(3), Dim.fixed(1)), B), List.of(Y)),
                        "input 'a' has rank 3 in model.yaml ([batch, 3, 1]), rank 2 in the graph ([batch, 3])"),
                Arguments.of("fixed dimension", signature(List.of(a(Dim.BATCH, Dim.fixed(4)), B), List.of(Y)),
                        "input 'a' dimension 1 is 4 in model.yaml, 3 in the graph ([batch, 3])"),
                Arguments.of("a symbol where the graph fixes the size",
                        signature(List.of(a(Dim.BATCH, Dim.symbolic("n")), B), List.of(Y)),
                        "input 'a' dimension 1 is n in model.yaml, but the graph fixes it at 3 ([batch, 3])"),
                Arguments.of("any size where the graph fixes it", signature(List.of(a(Dim.BATCH, Dim.ANY), B),
                        List.of(Y)), "input 'a' dimension 1 is -1 in model.yaml, but the graph fixes it at 3"
                                + " ([batch, 3])"),
                Arguments.of("an input the graph does not have", signature(List.of(A, B,
                        TensorSpec.of("z", DType.FLOAT32, Dim.BATCH)), List.of(Y)),
                        "input 'z' is not an input of the graph (its inputs: a, b)"),
                Arguments.of("a graph input left out", signature(List.of(A), List.of(Y)),
                        "the graph's input 'b' int64 [batch, seq] is missing from model.yaml's signature (ONNX Runtime"
                                + " runs a graph only with all of its inputs)"),
                Arguments.of("an optional input", signature(List.of(A, new TensorSpec("b", DType.INT64,
                        B.shape(), true)), List.of(Y)), "input 'b' is optional in model.yaml, but the graph needs it"
                                + " (ONNX Runtime runs a graph only with all of its inputs)"),
                Arguments.of("an output the graph does not have", signature(List.of(A, B),
                        List.of(TensorSpec.of("q", DType.FLOAT32, Dim.BATCH))),
                        "output 'q' is not an output of the graph (its outputs: c, s, y)"),
                Arguments.of("an output that is not a tensor", signature(List.of(A, B),
                        List.of(TensorSpec.of("s", DType.FLOAT32, Dim.BATCH))),
                        "output 's' is a sequence in the graph, not a tensor"),
                Arguments.of("an output dtype", signature(List.of(A, B),
                        List.of(TensorSpec.of("c", DType.INT32, Dim.BATCH, Dim.symbolic("seq")))),
                        "output 'c' is int32 in model.yaml, int64 in the graph"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("disagreements")
    void eachDisagreementRefusesTheLoadNamingIt(String what, Signature declared, String problem) {
        Path dir = twoInputs();

        assertThatThrownBy(() -> OnnxGraphs.load(dir, declared))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir.toAbsolutePath().resolve("model.onnx") + ": the graph disagrees with model.yaml's"
                        + " signature: " + problem);
    }

    @Test
    void everyDisagreementIsReportedAtOnce() {
        Path dir = twoInputs();
        Signature wrong = signature(List.of(a(Dim.BATCH, Dim.fixed(4)), TensorSpec.of("z", DType.FLOAT32)),
                List.of(TensorSpec.of("q", DType.FLOAT32)));

        assertThatThrownBy(() -> OnnxGraphs.load(dir, wrong))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageEndingWith("signature: input 'a' dimension 1 is 4 in model.yaml, 3 in the graph"
                        + " ([batch, 3]); input 'z' is not an input of the graph (its inputs: a, b); the graph's"
                        + " input 'b' int64 [batch, seq] is missing from model.yaml's signature (ONNX Runtime runs a"
                        + " graph only with all of its inputs); output 'q' is not an output of the graph (its outputs:"
                        + " c, s, y)");
    }

    @Test
    void aBatchDimensionWhereTheGraphFixesOneRowIsRefusedForInputsAndOutputs() {
        Path dir = fixedBatch();
        Signature batched = signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.fixed(3))),
                List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH, Dim.fixed(3))));

        assertThatThrownBy(() -> OnnxGraphs.load(dir, batched))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageEndingWith("signature: input 'x' dimension 0 is batch in model.yaml, but the graph fixes it"
                        + " at 1 ([1, 3]); output 'y' dimension 0 is batch in model.yaml, but the graph fixes it at 1"
                        + " ([1, 3])");
    }

    @Test
    void anOutputMayBeDeclaredMoreLooselyThanTheGraphFixesIt() throws Exception {
        Signature loose = signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.fixed(1), Dim.fixed(3))),
                List.of(TensorSpec.of("y", DType.FLOAT32, Dim.ANY, Dim.symbolic("width"))));
        try (OnnxModel model = OnnxGraphs.load(fixedBatch(), loose)) {
            assertThat(model.predict(Map.of("x", Tensor.ofFloats(Shape.of(1, 3), 1, 2, 3))).get("y").shape())
                    .isEqualTo(Shape.of(1, 3));
        }
    }

    @Test
    void aSignatureMayNarrowWhatTheGraphLeavesDynamic() throws Exception {
        Signature narrow = signature(List.of(A, TensorSpec.of("b", DType.INT64, Dim.BATCH, Dim.fixed(4))),
                List.of(TensorSpec.of("c", DType.INT64, Dim.BATCH, Dim.fixed(4))));
        try (OnnxModel model = OnnxGraphs.load(twoInputs(), narrow)) {
            assertThat(model.signature()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // No signature in model.yaml: the graph's

    @Test
    void withoutASignatureTheGraphsTensorsAreServedAndOtherOutputsLeftOut() throws Exception {
        try (OnnxModel model = OnnxGraphs.load(twoInputs(), Optional.empty())) {
            assertThat(model.signature()).contains(signature(List.of(A, B), List.of(Y,
                    TensorSpec.of("c", DType.INT64, Dim.BATCH, Dim.symbolic("seq")))));
        }
    }

    @Test
    void dynamicDimensionsBecomeBatchFirstThenTheGraphsNamesElseAnySize() throws Exception {
        Path dir = OnnxGraphs.graph()
                .input("x", FLOAT, UNKNOWN, UNKNOWN, "batch", "width", "2bad", 5)
                .output("y", FLOAT, "n", UNKNOWN, "batch", "width", "2bad", 5)
                .node("Identity", List.of("x"), List.of("y"))
                .write(tmp.resolve("dims/1"));
        List<Dim> expected = List.of(Dim.BATCH, Dim.ANY, Dim.ANY, Dim.symbolic("width"), Dim.ANY, Dim.fixed(5));
        try (OnnxModel model = OnnxGraphs.load(dir, Optional.empty())) {
            assertThat(model.signature()).contains(signature(List.of(new TensorSpec("x", DType.FLOAT32, expected,
                    false)), List.of(new TensorSpec("y", DType.FLOAT32, expected, false))));
        }
    }

    @Test
    @SuppressWarnings("try") // Model.close() declares Exception
    void aGraphWithAFixedBatchServesWithoutASignatureOnlyWithBatchingOff() throws Exception {
        Path dir = fixedBatch();
        ModelConfig batching = OnnxGraphs.config("fixed", Optional.empty());
        ModelLoader loader = Samples.loader(RuntimeOptions.DEFAULTS);

        assertThatThrownBy(() -> loader.load(dir, batching))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir.resolve("model.yaml") + ": with the signature the onnx runtime read from the"
                        + " artifact, inputs x float32 [1, 3]; outputs y float32 [1, 3]: batching: the model cannot"
                        + " batch, because input 'x' [1, 3], output 'y' [1, 3] have no leading batch dimension; set"
                        + " batching.max_batch_size: 1, or declare a signature");

        ModelConfig unbatched = new ModelConfig("fixed", 1, "onnx", Optional.empty(), Optional.of("model.onnx"),
                Optional.empty(), BatchingConfig.UNBATCHED, 1, Codec.JSON, List.of());
        try (Model model = loader.load(dir, unbatched)) {
            assertThat(ModelLoader.servedConfig(dir, unbatched, model).signature().orElseThrow().inputs())
                    .containsExactly(TensorSpec.of("x", DType.FLOAT32, Dim.fixed(1), Dim.fixed(3)));
        }
    }

    static Stream<Arguments> unservableGraphs() {
        return Stream.of(
                Arguments.of("an input Inferno has no dtype for", OnnxGraphs.graph()
                        .input("x", UINT16, "batch").output("y", UINT16, "batch")
                        .node("Identity", List.of("x"), List.of("y")),
                        "the graph's input 'x' has ONNX element type uint16, which Inferno tensors cannot carry"
                                + " (Inferno has bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,"
                                + " float64); cast it in the graph; none of the graph's outputs can be served: the"
                                + " graph's output 'y' has ONNX element type uint16, which Inferno tensors cannot carry"
                                + " (Inferno has bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,"
                                + " float64); cast it in the graph"),
                Arguments.of("a name Inferno does not accept", OnnxGraphs.graph()
                        .input("my input", FLOAT, "batch").output("y", FLOAT, "batch")
                        .node("Identity", List.of("my input"), List.of("y")),
                        "the graph's input 'my input' has a name Inferno does not accept (tensor names match"
                                + " [A-Za-z0-9_][A-Za-z0-9_.:/-]*); rename it in the graph"),
                Arguments.of("no tensor output", OnnxGraphs.graph()
                        .input("x", FLOAT, "batch").sequenceOutput("s", FLOAT)
                        .node("SequenceConstruct", List.of("x"), List.of("s")),
                        "none of the graph's outputs can be served: the graph's output 's' is a sequence, not a"
                                + " tensor"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unservableGraphs")
    void withoutASignatureAGraphInfernoCannotServeIsRefusedAtLoad(String what, OnnxGraphs graph, String reason) {
        Path dir = graph.write(tmp.resolve("unservable/1"));

        assertThatThrownBy(() -> OnnxGraphs.load(dir, Optional.empty()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir.toAbsolutePath().resolve("model.onnx") + ": model.yaml has no signature, and the"
                        + " graph's cannot be served: " + reason);
    }

    @Test
    void theGraphsOutputsInfernoCannotCarryAreLeftOutOfItsSignature() {
        List<String> skipped = new ArrayList<>();
        Graph graph = new Graph(List.of(new Graph.TensorPort("x", OnnxTypes.toOnnx(DType.FLOAT32), new long[] {-1},
                new String[] {""})), List.of(
                        new Graph.TensorPort("y", OnnxTypes.toOnnx(DType.FLOAT32), new long[] {-1}, new String[] {""}),
                        new Graph.OtherPort("probabilities", "a sequence of maps")));

        assertThat(graph.signature(skipped).outputs()).extracting(TensorSpec::name).containsExactly("y");
        assertThat(skipped).containsExactly("the graph's output 'probabilities' is a sequence of maps, not a tensor");
    }
}
