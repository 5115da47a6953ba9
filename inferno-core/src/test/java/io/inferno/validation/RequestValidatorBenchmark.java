package io.inferno.validation;

import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of validating a valid three-input request, the per-request path. Not run by the build; run it with
 * {@code java -cp <test classpath> org.openjdk.jmh.Main RequestValidatorBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestValidatorBenchmark {
    private final RequestValidator validator = RequestValidator.of(new Signature(
            List.of(TensorSpec.of("tokens", DType.INT64, Dim.BATCH, Dim.symbolic("seq")),
                    TensorSpec.of("mask", DType.INT64, Dim.BATCH, Dim.symbolic("seq")),
                    TensorSpec.of("features", DType.FLOAT32, Dim.BATCH, Dim.fixed(16))),
            List.of(TensorSpec.of("probs", DType.FLOAT32, Dim.BATCH, Dim.fixed(2)),
                    TensorSpec.of("total", DType.FLOAT32, Dim.BATCH))),
            BatchingConfig.DEFAULTS);

    private final Map<String, Tensor> inputs = new HashMap<>(Map.of(
            "tokens", Tensor.ofLongs(Shape.of(4, 8), new long[32]),
            "mask", Tensor.ofLongs(Shape.of(4, 8), new long[32]),
            "features", Tensor.ofFloats(Shape.of(4, 16), new float[64])));

    private final List<String> outputs = List.of("probs");

    @Benchmark
    public ValidatedRequest allOutputs() {
        return validator.validate(inputs);
    }

    @Benchmark
    public ValidatedRequest selectedOutput() {
        return validator.validate(inputs, outputs);
    }
}
