package io.inferno.model;

import io.inferno.runtime.JavaRuntime;
import java.util.List;
import java.util.Map;

/**
 * The formats of a typical engine for tests of core, which cannot see inferno-torch: {@code java} with the rules of
 * {@link JavaRuntime}, and {@code torchscript} with a stand-in for the rules that inferno-torch's runtime declares
 * (an artifact {@code file}, by default model.ts, else model.pt; inferno-torch's tests check that its runtime
 * declares the same). {@link #ONNX} stands in for inferno-onnx's rules where a test needs them.
 */
public final class TestFormats {
    /** What {@code TorchScriptRuntime.formatRules()} declares. */
    public static final FormatRules TORCHSCRIPT = FormatRules.artifactFile(List.of("model.ts", "model.pt"));

    /** What {@code OnnxRuntime.formatRules()} declares (inferno-onnx's tests check it): not in {@link #rules()}. */
    public static final FormatRules ONNX = FormatRules.artifactFile(List.of("model.onnx")).withOptionalSignature();

    private TestFormats() {}

    /** The rules of {@code java} and {@code torchscript}. */
    public static Map<String, FormatRules> rules() {
        return Map.of("java", new JavaRuntime().formatRules(), "torchscript", TORCHSCRIPT);
    }

    /** A parser of {@code java} and {@code torchscript}. */
    public static ModelConfigParser parser() {
        return new ModelConfigParser(rules());
    }
}
