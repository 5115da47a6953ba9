package io.inferno.torch.bench;

import io.inferno.runtime.Model;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whether native memory stays flat over a long run: 200,000 small predictions (torchscript:2, batch 1 to 8) after
 * 20,000 of warmup, printing the process RSS before and after. A leak of even one small tensor per batch would
 * show as tens of MiB.
 *
 * <p>{@code mvn -B -Pbench -pl inferno-torch verify -DskipTests -Djmh.args=RssBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, batchSize = 20_000)
@Measurement(iterations = 3, batchSize = 200_000)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx256m"})
public class RssBenchmark {
    private Model model;
    private final List<Map<String, Tensor>> inputs = new ArrayList<>();
    private int next;
    private String before;

    @Setup(Level.Trial)
    public void load() {
        model = SampleModels.load("torchscript", 2);
        for (int rows = 1; rows <= 8; rows++) {
            inputs.add(Map.of("x", Tensor.ofFloats(Shape.of(rows, 4), new float[rows * 4])));
        }
    }

    @Setup(Level.Iteration)
    public void measureBefore() {
        System.gc();
        before = SampleModels.memory();
    }

    @TearDown(Level.Iteration)
    public void measureAfter() {
        System.gc();
        System.out.printf("%nbefore: %s%nafter %d predictions: %s%n", before, next, SampleModels.memory());
        next = 0;
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        model.close();
    }

    @Benchmark
    public Map<String, Tensor> predict() throws Exception {
        return model.predict(inputs.get(next++ % inputs.size()));
    }
}
