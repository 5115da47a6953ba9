package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.InvalidInputException;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How forward's arguments and results map to the signature, on models written from TorchScript source. */
class OutputMappingTest {
    private static final Tensor X = Tensor.ofFloats(Shape.of(2, 2), 1, 2, 3, 4);

    @TempDir
    Path tmp;

    private static TensorSpec f32(String name) {
        return TensorSpec.of(name, DType.FLOAT32, Dim.BATCH, Dim.fixed(2));
    }

    private static Signature signature(List<TensorSpec> inputs, String... outputs) {
        return new Signature(inputs, java.util.Arrays.stream(outputs).map(OutputMappingTest::f32).toList());
    }

    /** Loads a model whose forward takes {@code x: Tensor} (or the given parameters) without the loader's checks. */
    private TorchScriptModel load(Signature signature, String parameters, String returns, String body) {
        Path dir = ScriptedModels.write(tmp.resolve("m/1"), "M", parameters, returns, body);
        return ScriptedModels.load(dir, signature);
    }

    private static float[] floats(Map<String, Tensor> outputs, String name) {
        return outputs.get(name).toFloatArray();
    }

    @Test
    void aTupleMapsToTheOutputsByPosition() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "sum", "product"), "x: Tensor",
                "Tuple[Tensor, Tensor]", "return (torch.add(x, x), torch.mul(x, x))")) {
            Map<String, Tensor> out = m.predict(Map.of("x", X));
            assertThat(out).containsOnlyKeys("sum", "product");
            assertThat(floats(out, "sum")).containsExactly(2, 4, 6, 8);
            assertThat(floats(out, "product")).containsExactly(1, 4, 9, 16);
        }
    }

    @Test
    void aListMapsToTheOutputsByPositionAndExtraItemsAreIgnored() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "first"), "x: Tensor", "List[Tensor]",
                "return [torch.neg(x), x]")) {
            Map<String, Tensor> out = m.predict(Map.of("x", X));
            assertThat(out).containsOnlyKeys("first");
            assertThat(floats(out, "first")).containsExactly(-1, -2, -3, -4);
        }
    }

    @Test
    void aDictMapsToTheOutputsByKeyWhateverItsOrder() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "b", "a"), "x: Tensor", "Dict[str, Tensor]",
                "return {\"a\": torch.neg(x), \"b\": x, \"unused\": x}")) {
            Map<String, Tensor> out = m.predict(Map.of("x", X));
            assertThat(out).containsOnlyKeys("b", "a");
            assertThat(floats(out, "a")).containsExactly(-1, -2, -3, -4);
            assertThat(floats(out, "b")).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void inputsGoInByPositionInSignatureOrder() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("minuend"), f32("subtrahend")), "difference"),
                "a: Tensor, b: Tensor", "Tensor", "return torch.sub(a, b)")) {
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("subtrahend", Tensor.ofFloats(Shape.of(1, 2), 1, 1));
            inputs.put("minuend", Tensor.ofFloats(Shape.of(1, 2), 5, 7));
            assertThat(floats(m.predict(inputs), "difference")).containsExactly(4, 6);
        }
    }

    @Test
    void anOptionalInputCanBeLeftOutOnlyWithEveryLaterInput() throws Exception {
        TensorSpec mask = new TensorSpec("mask", DType.FLOAT32, List.of(Dim.BATCH, Dim.fixed(2)), true);
        TensorSpec bias = new TensorSpec("bias", DType.FLOAT32, List.of(Dim.BATCH, Dim.fixed(2)), true);
        try (TorchScriptModel m = load(signature(List.of(f32("x"), mask, bias), "y"),
                "x: Tensor, mask: Optional[Tensor]=None, bias: Optional[Tensor]=None", "Tensor",
                "if torch.__is__(mask, None):\n  return x\n"
                        + "else:\n  return torch.mul(x, unchecked_cast(Tensor, mask))")) {
            assertThat(floats(m.predict(Map.of("x", X)), "y")).containsExactly(1, 2, 3, 4);
            assertThat(floats(m.predict(Map.of("x", X, "mask", X)), "y")).containsExactly(1, 4, 9, 16);
            assertThatThrownBy(() -> m.predict(Map.of("x", X, "bias", X)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("input 'bias' needs optional input 'mask' as well: TorchScript takes inputs by "
                            + "position, so an optional input can be left out only together with every input "
                            + "after it");
        }
    }

    @Test
    void aDictWithoutADeclaredKeyNamesTheKeysItHas() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "probs", "total"), "x: Tensor", "Dict[str, Tensor]",
                "return {\"probs\": x, \"sum\": x}")) {
            assertThatThrownBy(() -> m.predict(Map.of("x", X)))
                    .isInstanceOf(TorchScriptException.class)
                    .hasMessage("forward returned a dict with keys [probs, sum]; the signature's outputs, matched "
                            + "by key, are probs, total");
        }
    }

    @Test
    void tooFewTensorsForTheDeclaredOutputsIsAnError() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "probs", "total"), "x: Tensor", "Tensor",
                "return x")) {
            assertThatThrownBy(() -> m.predict(Map.of("x", X)))
                    .isInstanceOf(TorchScriptException.class)
                    .hasMessage("forward returned a single tensor; the signature declares 2 outputs (probs, total), "
                            + "matched by position");
        }
    }

    @Test
    void aResultThatIsNotATensorIsAnError() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "y"), "x: Tensor", "int", "return 3")) {
            assertThatThrownBy(() -> m.predict(Map.of("x", X)))
                    .isInstanceOf(TorchScriptException.class)
                    .hasMessage("forward returned a int; the TorchScript runtime takes a Tensor, a tuple or list of "
                            + "Tensors, or a Dict[str, Tensor]");
        }
    }

    @Test
    void aTupleItemThatIsNotATensorIsAnError() throws Exception {
        try (TorchScriptModel m = load(signature(List.of(f32("x")), "y", "n"), "x: Tensor", "Tuple[Tensor, int]",
                "return (x, 3)")) {
            assertThatThrownBy(() -> m.predict(Map.of("x", X)))
                    .isInstanceOf(TorchScriptException.class)
                    .hasMessage("forward returned a tuple of 2 whose item 1 ('n') is a int, not a Tensor");
        }
    }
}
