package io.inferno.bench;

import io.inferno.Inferno;
import io.inferno.PredictRequest;
import io.inferno.repository.TestRepository;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.ScalingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
 * nothing (one row, two floats), at one caller. Everything measured is validation, queueing, the hand-off to a
 * batch thread and back, splitting and metrics.
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

    @Setup
    public void setUp() throws IOException {
        repo = Files.createTempDirectory("inferno-bench");
        TestRepository.writeYaml(repo.resolve("tiny/1"), ScalingModel.yaml("tiny", 1, 8));
        inferno = Inferno.builder().repository(repo).build();
        inferno.ready().join();
        request = PredictRequest.of("tiny", Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 2)));
    }

    @TearDown
    public void tearDown() {
        inferno.close();
    }

    @Benchmark
    public Object predictOneRow() {
        return inferno.predict(request).join();
    }
}
