package io.inferno;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PredictRequestTest {
    private static final Tensor X = Tensor.ofFloats(Shape.of(1, 2), 1, 2);
    private static final Tensor Z = Tensor.ofFloats(Shape.of(1, 1), 3);

    @Test
    void aBuilderWithOnlyInputsMakesTheSameRequestAsOf() {
        assertThat(PredictRequest.builder("m").input("x", X).build()).isEqualTo(PredictRequest.of("m", Map.of("x", X)));
    }

    @Test
    void eachSetterSetsWhatTheMatchingWithMethodSets() {
        PredictRequest built = PredictRequest.builder("m").input("x", X).version(2).outputs(List.of("y"))
                .timeout(Duration.ofMillis(50)).build();
        PredictRequest with = PredictRequest.of("m", Map.of("x", X)).withVersion(2).withOutputs(List.of("y"))
                .withTimeout(Duration.ofMillis(50));
        assertThat(built).isEqualTo(with);
        assertThat(built.version()).isEqualTo(OptionalLong.of(2));
        assertThat(built.outputs()).isEqualTo(Optional.of(List.of("y")));
        assertThat(built.timeout()).isEqualTo(Optional.of(Duration.ofMillis(50)));
    }

    @Test
    void inputsAndInputAddUpInTheOrderGivenAndShareTheTensors() {
        Map<String, Tensor> more = new LinkedHashMap<>();
        more.put("b", Z);
        more.put("a", X);
        PredictRequest r = PredictRequest.builder("m").input("z", Z).inputs(more).build();
        assertThat(r.inputs().keySet()).containsExactly("z", "b", "a");
        assertThat(r.inputs().get("a")).isSameAs(X);
    }

    @Test
    void settingTheVersionOutputsOrTimeoutAgainReplacesIt() {
        PredictRequest r = PredictRequest.builder("m").version(1).version(3).outputs(List.of("y"))
                .outputs(List.of("p")).timeout(Duration.ofSeconds(1)).timeout(Duration.ofMillis(5)).build();
        assertThat(r.version()).isEqualTo(OptionalLong.of(3));
        assertThat(r.outputs()).isEqualTo(Optional.of(List.of("p")));
        assertThat(r.timeout()).isEqualTo(Optional.of(Duration.ofMillis(5)));
    }

    @Test
    void aBuiltRequestDoesNotChangeWithTheBuilderOrTheCallersList() {
        List<String> names = new ArrayList<>(List.of("y"));
        PredictRequest.Builder builder = PredictRequest.builder("m").input("x", X).outputs(names);
        PredictRequest first = builder.build();
        names.add("p");
        builder.input("z", Z);
        assertThat(first.inputs().keySet()).containsExactly("x");
        assertThat(first.outputs()).isEqualTo(Optional.of(List.of("y")));
        assertThat(builder.build().inputs().keySet()).containsExactly("x", "z");
        assertThatThrownBy(() -> first.inputs().put("z", Z)).isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("zero version", () -> PredictRequest.builder("m").version(0), "version must be positive, got 0"),
                bad("negative version", () -> PredictRequest.builder("m").version(-3),
                        "version must be positive, got -3"),
                bad("zero timeout", () -> PredictRequest.builder("m").timeout(Duration.ZERO),
                        "timeout must be positive, got PT0S"),
                bad("negative timeout", () -> PredictRequest.builder("m").timeout(Duration.ofMillis(-20)),
                        "timeout must be positive, got PT-0.02S"),
                bad("input twice", () -> PredictRequest.builder("m").input("x", X).input("x", Z),
                        "input 'x' is given more than once"),
                bad("input then inputs", () -> PredictRequest.builder("m").input("x", X).inputs(Map.of("x", Z)),
                        "input 'x' is given more than once"),
                bad("withTimeout zero", () -> PredictRequest.of("m", Map.of()).withTimeout(Duration.ZERO),
                        "timeout must be positive, got PT0S"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsRefusedWithAMessageQuotingIt(String what, ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(InvalidInputException.class).hasMessage(message);
    }

    static Stream<Arguments> nulls() {
        return Stream.of(
                bad("model", () -> PredictRequest.builder(null), "model"),
                bad("input name", () -> PredictRequest.builder("m").input(null, X), "input name"),
                bad("input tensor", () -> PredictRequest.builder("m").input("x", null), "tensor of input 'x'"),
                bad("inputs", () -> PredictRequest.builder("m").inputs(null), "inputs"),
                bad("outputs", () -> PredictRequest.builder("m").outputs(null), "outputs"),
                bad("an output name", () -> PredictRequest.builder("m").outputs(Arrays.asList("y", null)),
                        "outputs must not hold null, got [y, null]"),
                bad("timeout", () -> PredictRequest.builder("m").timeout(null), "timeout"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nulls")
    void aNullIsRefusedNamingTheArgument(String what, ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(NullPointerException.class).hasMessage(message);
    }

    private static Arguments bad(String what, ThrowingCallable call, String message) {
        return Arguments.of(what, call, message);
    }

    @Test
    void predictionOutputsAreAnUnmodifiableCopyThatSharesTheTensors() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("z", Z);
        outputs.put("a", X);
        Prediction p = new Prediction("m", 1, outputs);
        outputs.remove("z");
        assertThat(p.outputs().keySet()).containsExactly("z", "a");
        assertThat(p.output("a")).isSameAs(X);
        assertThatThrownBy(() -> p.outputs().put("b", X)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> p.outputs().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aPredictionRefusesANullOutputTensorNamingIt() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("y", null);
        assertThatThrownBy(() -> new Prediction("m", 1, outputs)).isInstanceOf(NullPointerException.class)
                .hasMessage("tensor of output 'y'");
    }
}
