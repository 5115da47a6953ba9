package io.inferno.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.inferno.InvalidInputException;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RequestValidatorTest {

    // ---- signatures ---------------------------------------------------------------------------------------

    private static final Dim SEQ = Dim.symbolic("seq");

    /** tokens, mask: int64 [batch, seq], both required; outputs probs, total. */
    private static final Signature TEXT = new Signature(
            List.of(TensorSpec.of("tokens", DType.INT64, Dim.BATCH, SEQ),
                    TensorSpec.of("mask", DType.INT64, Dim.BATCH, SEQ)),
            List.of(TensorSpec.of("probs", DType.FLOAT32, Dim.BATCH, Dim.fixed(2)),
                    TensorSpec.of("total", DType.FLOAT32, Dim.BATCH)));

    /** x: float32 [batch, 4]; bias: float32 [4], optional. */
    private static final Signature FEATURES = new Signature(
            List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.fixed(4)),
                    optional("bias", DType.FLOAT32, Dim.fixed(4))),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));

    /** a (optional), b, c: float32 [batch, seq]. */
    private static final Signature TRIPLE = new Signature(
            List.of(optional("a", DType.FLOAT32, Dim.BATCH, SEQ),
                    TensorSpec.of("b", DType.FLOAT32, Dim.BATCH, SEQ),
                    TensorSpec.of("c", DType.FLOAT32, Dim.BATCH, SEQ)),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));

    /** image: float32 [batch, 3, -1]; label: int64 [batch]; weights: float32 [3], optional. */
    private static final Signature MIXED = new Signature(
            List.of(TensorSpec.of("image", DType.FLOAT32, Dim.BATCH, Dim.fixed(3), Dim.ANY),
                    TensorSpec.of("label", DType.INT64, Dim.BATCH),
                    optional("weights", DType.FLOAT32, Dim.fixed(3))),
            List.of(TensorSpec.of("loss", DType.FLOAT32, Dim.BATCH)));

    /** x: float32 [batch, -1, 3]. */
    private static final Signature RAGGED = new Signature(
            List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.ANY, Dim.fixed(3))),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));

    /** x: float32 [batch, 4]; extra: float32 [batch, k], optional (the only user of k). */
    private static final Signature OPTIONAL_SYMBOL = new Signature(
            List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.fixed(4)),
                    optional("extra", DType.FLOAT32, Dim.BATCH, Dim.symbolic("k"))),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));

    /** m: float64 [n, n], not batched. */
    private static final Signature SQUARE = new Signature(
            List.of(TensorSpec.of("m", DType.FLOAT64, Dim.symbolic("n"), Dim.symbolic("n"))),
            List.of(TensorSpec.of("det", DType.FLOAT64)));

    /** a, b: float64 scalars, not batched. */
    private static final Signature SCALARS = new Signature(
            List.of(TensorSpec.of("a", DType.FLOAT64), TensorSpec.of("b", DType.FLOAT64)),
            List.of(TensorSpec.of("sum", DType.FLOAT64)));

    /** No inputs at all; one scalar output. */
    private static final Signature CONSTANT = new Signature(
            List.of(), List.of(TensorSpec.of("c", DType.FLOAT32)));

    private static final BatchingConfig BATCHED = BatchingConfig.DEFAULTS; // max_batch_size 32
    private static final BatchingConfig UNBATCHED = BatchingConfig.UNBATCHED;

    // ---- rejections ---------------------------------------------------------------------------------------

    record Rejection(Signature signature, BatchingConfig batching, Map<String, Tensor> inputs,
            Optional<List<String>> outputs, List<String> problems) {}

    static Stream<Named<Rejection>> rejections() {
        return Stream.of(
                reject("a required input is missing", TEXT, BATCHED,
                        in("mask", longs(2, 7)), ALL,
                        "Missing required input(s): tokens. Expected inputs: mask, tokens"),
                reject("several missing inputs are listed sorted", TEXT, BATCHED,
                        in(), ALL,
                        "Missing required input(s): mask, tokens. Expected inputs: mask, tokens"),
                reject("optional inputs are listed as expected but never as missing", MIXED, BATCHED,
                        in("image", floats(1, 3, 2)), ALL,
                        "Missing required input(s): label. Expected inputs: image, label, weights"),
                reject("unexpected inputs are listed sorted", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7), "foo", floats(1), "bar", floats(1)), ALL,
                        "Unexpected input(s): bar, foo. Expected inputs: mask, tokens"),
                reject("any input is unexpected when the model takes none", CONSTANT, UNBATCHED,
                        in("foo", floats(1)), ALL,
                        "Unexpected input(s): foo. Expected no inputs"),
                reject("a misspelt input is both missing and unexpected", TEXT, BATCHED,
                        in("token", longs(2, 7), "mask", longs(2, 7)), ALL,
                        "Missing required input(s): tokens. Expected inputs: mask, tokens",
                        "Unexpected input(s): token. Expected inputs: mask, tokens"),
                reject("wrong dtype", TEXT, BATCHED,
                        in("tokens", floats(2, 7), "mask", longs(2, 7)), ALL,
                        "Input 'tokens' has dtype float32; expected int64"),
                reject("wrong dtype of an optional input", FEATURES, BATCHED,
                        in("x", floats(2, 4), "bias", doubles(4)), ALL,
                        "Input 'bias' has dtype float64; expected float32"),
                reject("rank too high", TEXT, BATCHED,
                        in("tokens", longs(2, 3, 4), "mask", longs(2, 3)), ALL,
                        "Input 'tokens' has shape [2, 3, 4]; expected [batch, seq] (rank 2)"),
                reject("a scalar for a batched input", FEATURES, BATCHED,
                        in("x", floats()), ALL,
                        "Input 'x' has shape []; expected [batch, 4] (rank 2)"),
                reject("a vector for a scalar input", SCALARS, UNBATCHED,
                        in("a", doubles(1), "b", doubles()), ALL,
                        "Input 'a' has shape [1]; expected [] (rank 0)"),
                reject("wrong dtype and wrong rank of one input are both reported", TEXT, BATCHED,
                        in("tokens", floats(2, 3, 4), "mask", longs(2, 3)), ALL,
                        "Input 'tokens' has dtype float32; expected int64",
                        "Input 'tokens' has shape [2, 3, 4]; expected [batch, seq] (rank 2)"),
                reject("wrong fixed dimension", FEATURES, BATCHED,
                        in("x", floats(2, 5)), ALL,
                        "Input 'x' dimension 1 is 5; expected 4 (shape [batch, 4])"),
                reject("wrong fixed dimension of an unbatched optional input", FEATURES, BATCHED,
                        in("x", floats(2, 4), "bias", floats(3)), ALL,
                        "Input 'bias' dimension 0 is 3; expected 4 (shape [4])"),
                reject("wrong fixed dimension after an any dimension", RAGGED, BATCHED,
                        in("x", floats(2, 9, 2)), ALL,
                        "Input 'x' dimension 2 is 2; expected 3 (shape [batch, -1, 3])"),
                reject("inputs disagree on a symbolic dimension", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 5)), ALL,
                        "Inputs disagree on dimension 'seq': tokens has 7, mask has 5"),
                reject("the reference is the first input in signature order, not in request order", TEXT, BATCHED,
                        in("mask", longs(2, 5), "tokens", longs(2, 7)), ALL,
                        "Inputs disagree on dimension 'seq': tokens has 7, mask has 5"),
                reject("inputs disagree on the batch dimension", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(3, 7)), ALL,
                        "Inputs disagree on dimension 'batch': tokens has 2, mask has 3"),
                reject("every later input is compared with the reference", TRIPLE, BATCHED,
                        in("a", floats(2, 3), "b", floats(2, 4), "c", floats(2, 4)), ALL,
                        "Inputs disagree on dimension 'seq': a has 3, b has 4",
                        "Inputs disagree on dimension 'seq': a has 3, c has 4"),
                reject("an omitted optional input is no reference", TRIPLE, BATCHED,
                        in("b", floats(2, 4), "c", floats(2, 6)), ALL,
                        "Inputs disagree on dimension 'seq': b has 4, c has 6"),
                reject("an input of the wrong rank is no reference", TRIPLE, BATCHED,
                        in("a", floats(2, 3, 1), "b", floats(2, 4), "c", floats(2, 5)), ALL,
                        "Input 'a' has shape [2, 3, 1]; expected [batch, seq] (rank 2)",
                        "Inputs disagree on dimension 'seq': b has 4, c has 5"),
                reject("one input disagrees with itself on a symbol it uses twice", SQUARE, UNBATCHED,
                        in("m", doubles(3, 4)), ALL,
                        "Input 'm' disagrees with itself on dimension 'n': dimension 0 is 3, dimension 1 is 4"),
                reject("more rows than max_batch_size", TEXT, BATCHED,
                        in("tokens", longs(40, 7), "mask", longs(40, 7)), ALL,
                        "Input 'tokens' has 40 rows; this model accepts at most 32 per request (max_batch_size)"),
                reject("the row limit is the configured max_batch_size", FEATURES, BATCHED.withMaxBatchSize(8),
                        in("x", floats(9, 4)), ALL,
                        "Input 'x' has 9 rows; this model accepts at most 8 per request (max_batch_size)"),
                reject("zero rows", TEXT, BATCHED,
                        in("tokens", longs(0, 7), "mask", longs(0, 7)), ALL,
                        "Input 'tokens' has 0 rows; expected at least 1"),
                reject("zero rows with batching off", FEATURES, UNBATCHED,
                        in("x", floats(0, 4)), ALL,
                        "Input 'x' has 0 rows; expected at least 1"),
                reject("unknown output", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select("foo", "probs"),
                        "Unknown output(s): foo. Available outputs: probs, total"),
                reject("unknown outputs are listed sorted and once", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select("zed", "foo"),
                        "Unknown output(s): foo, zed. Available outputs: probs, total"),
                reject("an empty output selection", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select(),
                        "Outputs must name at least one output. Available outputs: probs, total"),
                reject("an output selected twice", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select("probs", "total", "probs", "probs"),
                        "Duplicate output(s): probs"),
                reject("an unknown output selected twice is unknown and duplicate", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select("foo", "foo"),
                        "Unknown output(s): foo. Available outputs: probs, total",
                        "Duplicate output(s): foo"),
                reject("every kind of problem at once, in a fixed order", TEXT, BATCHED,
                        in("mask", longs(40, 5), "foo", floats(1), "tokens", floats(40, 7)),
                        select("probs", "nope", "probs"),
                        "Unexpected input(s): foo. Expected inputs: mask, tokens",
                        "Input 'tokens' has dtype float32; expected int64",
                        "Input 'tokens' has 40 rows; this model accepts at most 32 per request (max_batch_size)",
                        "Inputs disagree on dimension 'seq': tokens has 7, mask has 5",
                        "Unknown output(s): nope. Available outputs: probs, total",
                        "Duplicate output(s): probs"),
                reject("missing, fixed dimension and dtype problems together", MIXED, BATCHED,
                        in("weights", doubles(3), "image", floats(2, 4, 8)), ALL,
                        "Missing required input(s): label. Expected inputs: image, label, weights",
                        "Input 'image' dimension 1 is 4; expected 3 (shape [batch, 3, -1])",
                        "Input 'weights' has dtype float64; expected float32"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void rejectsWithExactlyTheseProblems(Rejection c) {
        RequestValidator validator = RequestValidator.of(c.signature(), c.batching());

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> validate(validator,
                c.inputs(), c.outputs()));

        assertThat(e).as("an InvalidInputException").isNotNull();
        assertThat(e.problems()).containsExactlyElementsOf(c.problems());
        assertThat(e.getMessage()).isEqualTo(String.join("; ", c.problems()));
    }

    // ---- acceptance ---------------------------------------------------------------------------------------

    record Acceptance(Signature signature, BatchingConfig batching, Map<String, Tensor> inputs,
            Optional<List<String>> outputs, long rows, List<String> selected) {}

    static Stream<Named<Acceptance>> acceptances() {
        return Stream.of(
                accept("symbolic dimensions agree", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), ALL, 2, "probs", "total"),
                accept("a size of 0 for a symbol other than batch", TEXT, BATCHED,
                        in("tokens", longs(2, 0), "mask", longs(2, 0)), ALL, 2, "probs", "total"),
                accept("one selected output", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select("total"), 2, "total"),
                accept("selected outputs come back in signature order", TEXT, BATCHED,
                        in("tokens", longs(2, 7), "mask", longs(2, 7)), select("total", "probs"), 2, "probs", "total"),
                accept("an optional input omitted", FEATURES, BATCHED,
                        in("x", floats(3, 4)), ALL, 3, "y"),
                accept("an optional input given", FEATURES, BATCHED,
                        in("x", floats(3, 4), "bias", floats(4)), ALL, 3, "y"),
                accept("fixed and any dimensions", MIXED, BATCHED,
                        in("image", floats(2, 3, 5), "label", longs(2)), ALL, 2, "loss"),
                accept("an any dimension takes any size", RAGGED, BATCHED,
                        in("x", floats(1, 17, 3)), ALL, 1, "y"),
                accept("exactly max_batch_size rows", TEXT, BATCHED,
                        in("tokens", longs(32, 1), "mask", longs(32, 1)), ALL, 32, "probs", "total"),
                accept("no row limit with batching off", FEATURES, UNBATCHED,
                        in("x", floats(100, 4)), ALL, 100, "y"),
                accept("an omitted optional first input", TRIPLE, BATCHED,
                        in("c", floats(2, 4), "b", floats(2, 4)), ALL, 2, "y"),
                accept("scalar inputs of an unbatched model", SCALARS, UNBATCHED,
                        in("a", doubles(), "b", doubles()), ALL, 1, "sum"),
                accept("a symbol used twice by one input", SQUARE, UNBATCHED,
                        in("m", doubles(3, 3)), ALL, 1, "det"),
                accept("a model without inputs", CONSTANT, UNBATCHED,
                        in(), select("c"), 1, "c"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptances")
    void accepts(Acceptance c) {
        RequestValidator validator = RequestValidator.of(c.signature(), c.batching());

        ValidatedRequest request = validate(validator, c.inputs(), c.outputs());

        assertThat(request.rows()).isEqualTo(c.rows());
        assertThat(request.outputs()).containsExactlyElementsOf(c.selected());
        assertThat(request.inputs()).isEqualTo(c.inputs());
    }

    @Test
    void inputsComeBackInSignatureOrderAndUnmodifiable() {
        RequestValidator validator = RequestValidator.of(TRIPLE, BATCHED);

        ValidatedRequest request = validator.validate(in("c", floats(2, 4), "a", floats(2, 4), "b", floats(2, 4)));

        assertThat(request.inputs()).containsOnlyKeys("a", "b", "c");
        assertThat(List.copyOf(request.inputs().keySet())).containsExactly("a", "b", "c");
        assertThatThrownBy(() -> request.inputs().remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> request.outputs().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void resolvesTheSizesOfSymbolicDimensions() {
        ValidatedRequest request = RequestValidator.of(TEXT, BATCHED)
                .validate(in("tokens", longs(2, 7), "mask", longs(2, 7)));

        assertThat(request.dim("batch")).hasValue(2);
        assertThat(request.dim("seq")).hasValue(7);
        assertThat(request.dim("nope")).isEmpty();
    }

    @Test
    void aSymbolOnlyAnOmittedInputUsesHasNoSize() {
        RequestValidator validator = RequestValidator.of(OPTIONAL_SYMBOL, BATCHED);

        assertThat(validator.validate(in("x", floats(2, 4))).dim("k")).isEqualTo(OptionalLong.empty());
        assertThat(validator.validate(in("x", floats(2, 4), "extra", floats(2, 5))).dim("k")).hasValue(5);
    }

    @Test
    void takesTheRowLimitFromTheModelConfig() {
        ModelConfig config = new ModelConfig("m", 1, "java", Optional.of("Model"), Optional.empty(), FEATURES,
                BATCHED.withMaxBatchSize(4), 1, Codec.JSON, List.of());
        RequestValidator validator = RequestValidator.of(config);

        assertThat(validator.validate(in("x", floats(4, 4))).rows()).isEqualTo(4);
        assertThatThrownBy(() -> validator.validate(in("x", floats(5, 4))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Input 'x' has 5 rows; this model accepts at most 4 per request (max_batch_size)");
    }

    @Test
    void aNullTensorIsAProgrammingError() {
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put("x", null);

        assertThatThrownBy(() -> RequestValidator.of(FEATURES, BATCHED).validate(inputs))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("input 'x' is null");
    }

    // ---- batch keys ---------------------------------------------------------------------------------------

    @Test
    void requestsThatDifferOnlyInRowsHaveEqualKeys() {
        RequestValidator validator = RequestValidator.of(TEXT, BATCHED);

        BatchKey two = validator.validate(in("tokens", longs(2, 7), "mask", longs(2, 7))).batchKey();
        BatchKey thirty = validator.validate(in("mask", longs(30, 7), "tokens", longs(30, 7))).batchKey();

        assertThat(two).isEqualTo(thirty).hasSameHashCodeAs(thirty);
    }

    @Test
    void requestsThatDifferInANonBatchDimensionHaveDifferentKeys() {
        RequestValidator validator = RequestValidator.of(TEXT, BATCHED);

        BatchKey seven = validator.validate(in("tokens", longs(2, 7), "mask", longs(2, 7))).batchKey();
        BatchKey eight = validator.validate(in("tokens", longs(2, 8), "mask", longs(2, 8))).batchKey();

        assertThat(seven).isNotEqualTo(eight);
    }

    @Test
    void anOmittedOptionalInputChangesTheKey() {
        RequestValidator validator = RequestValidator.of(FEATURES, BATCHED);

        BatchKey without = validator.validate(in("x", floats(2, 4))).batchKey();
        BatchKey with = validator.validate(in("x", floats(2, 4), "bias", floats(4))).batchKey();
        BatchKey withMoreRows = validator.validate(in("x", floats(5, 4), "bias", floats(4))).batchKey();

        assertThat(without).isNotEqualTo(with);
        assertThat(with).isEqualTo(withMoreRows);
    }

    @Test
    void everyDimensionOfAnUnbatchedInputIsPartOfTheKey() {
        RequestValidator validator = RequestValidator.of(SQUARE, UNBATCHED);

        BatchKey three = validator.validate(in("m", doubles(3, 3))).batchKey();
        BatchKey four = validator.validate(in("m", doubles(4, 4))).batchKey();

        assertThat(three).isNotEqualTo(four).isEqualTo(validator.validate(in("m", doubles(3, 3))).batchKey());
    }

    @Test
    void keysOfDifferentDtypesDiffer() {
        // A validated request always has the declared dtypes, so compare two signatures of the same layout.
        Signature ints = new Signature(List.of(TensorSpec.of("x", DType.INT32, Dim.BATCH, Dim.fixed(2))),
                List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));
        Signature floats = new Signature(List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.fixed(2))),
                List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH)));

        BatchKey a = RequestValidator.of(ints, BATCHED).validate(in("x", Tensor.ofInts(Shape.of(1, 2), 0, 0)))
                .batchKey();
        BatchKey b = RequestValidator.of(floats, BATCHED).validate(in("x", floats(1, 2))).batchKey();

        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void keysPrintTheirDtypesAndNonBatchDimensions() {
        BatchKey key = RequestValidator.of(MIXED, BATCHED)
                .validate(in("image", floats(2, 3, 5), "label", longs(2))).batchKey();

        assertThat(key).hasToString("BatchKey[image float32 (3, 5), label int64 (), weights absent]");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static final Optional<List<String>> ALL = Optional.empty();

    private static Optional<List<String>> select(String... names) {
        return Optional.of(List.of(names));
    }

    private static ValidatedRequest validate(RequestValidator v, Map<String, Tensor> inputs,
            Optional<List<String>> outputs) {
        return outputs.isPresent() ? v.validate(inputs, outputs.get()) : v.validate(inputs);
    }

    private static Named<Rejection> reject(String name, Signature signature, BatchingConfig batching,
            Map<String, Tensor> inputs, Optional<List<String>> outputs, String... problems) {
        return Named.of(name, new Rejection(signature, batching, inputs, outputs, List.of(problems)));
    }

    private static Named<Acceptance> accept(String name, Signature signature, BatchingConfig batching,
            Map<String, Tensor> inputs, Optional<List<String>> outputs, long rows, String... selected) {
        return Named.of(name, new Acceptance(signature, batching, inputs, outputs, rows, List.of(selected)));
    }

    private static TensorSpec optional(String name, DType dtype, Dim... shape) {
        return new TensorSpec(name, dtype, List.of(shape), true);
    }

    /** Input name, tensor, name, tensor, ... in this iteration order. */
    private static Map<String, Tensor> in(Object... namesAndTensors) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (int i = 0; i < namesAndTensors.length; i += 2) {
            inputs.put((String) namesAndTensors[i], (Tensor) namesAndTensors[i + 1]);
        }
        return inputs;
    }

    private static Tensor floats(long... dims) {
        Shape shape = Shape.of(dims);
        return Tensor.ofFloats(shape, new float[(int) shape.elementCount()]);
    }

    private static Tensor doubles(long... dims) {
        Shape shape = Shape.of(dims);
        return Tensor.ofDoubles(shape, new double[(int) shape.elementCount()]);
    }

    private static Tensor longs(long... dims) {
        Shape shape = Shape.of(dims);
        return Tensor.ofLongs(shape, new long[(int) shape.elementCount()]);
    }
}
