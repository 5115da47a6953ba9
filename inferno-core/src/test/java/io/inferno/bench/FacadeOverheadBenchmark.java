package io.inferno.bench;

import io.inferno.Inferno;
import io.inferno.PredictRequest;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.ModelConfig;
import io.inferno.repository.TestRepository;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.TestModels;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ScalingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the engine itself costs per request: {@code Inferno.predict(...).join()} on a Java model that does almost
 * nothing (one row, two floats), at one caller, against {@link #modelDirectly} calling the same model's
 * {@code predict} with no engine at all. The difference is validation, queueing, dispatch (on the caller's thread
 * when the batcher is idle, see docs/engine.md), splitting and metrics.
 *
 * <p>Run with the allocation profiler for bytes per request: {@code -Djmh.args="-f 1 -wi 3 -i 5 -prof gc
 * FacadeOverheadBenchmark"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FacadeOverheadBenchmark {
    private Path repo;
    private Inferno inferno;
    private PredictRequest request;
    private Model model;
    private Map<String, Tensor> inputs;

    @Setup
    public void setUp() throws IOException, InterruptedException {
        repo = Files.createTempDirectory("inferno-bench");
        TestRepository.writeYaml(repo.resolve("tiny/1"), ScalingModel.yaml("tiny", 1, 8));
        inferno = Inferno.builder().repository(repo).build();
        inferno.ready().join();
        inputs = Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 2));
        request = PredictRequest.of("tiny", inputs);
        model = new ScalingModel(new ModelContext(repo.resolve("tiny/1"), new ModelConfig("tiny", 1, "java",
                Optional.of(ScalingModel.class.getName()), Optional.empty(), TestModels.XY, BatchingConfig.DEFAULTS, 1,
                Codec.JSON, List.of()), RuntimeOptions.DEFAULTS));
    }

    @TearDown
    public void tearDown() throws Exception {
        inferno.close();
        model.close();
    }

    @Benchmark
    public Object predictOneRow() {
        return inferno.predict(request).join();
    }

    @Benchmark
    public Object modelDirectly() throws Exception {
        return model.predict(inputs);
    }
}
