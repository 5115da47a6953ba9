package io.inferno.torch.bench;

import io.inferno.runtime.Model;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The raw runtime: rows per second through {@link Model#predict} of the TorchScript runtime, on my_classifier
 * (seq 32) at batch 1 and 32, one thread, intra-op and inter-op threads 1. This is the ceiling the engine's
 * batching and the HTTP server are compared against. The {@code rows} line of the results is rows/s.
 *
 * <p>{@code mvn -B -Pbench -pl inferno-torch verify -DskipTests -Djmh.args=ClassifierThroughputBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx512m"})
public class ClassifierThroughputBenchmark {
    private static final int SEQ = 32;
    private static final int INPUTS = 16;

    @Param({"1", "32"})
    public int batch;

    private Model model;
    private final List<Map<String, Tensor>> inputs = new ArrayList<>();
    private int next;

    /** Rows predicted, reported by JMH as rows per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rows {
        public long rows;
    }

    @Setup(Level.Trial)
    public void load() {
        model = SampleModels.load("my_classifier", 1);
        Random random = new Random(42);
        for (int i = 0; i < INPUTS; i++) {
            long[] ids = new long[batch * SEQ];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = random.nextInt(1000);
            }
            inputs.add(Map.of("tokens", Tensor.ofLongs(Shape.of(batch, SEQ), ids)));
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        model.close();
    }

    @Benchmark
    public Map<String, Tensor> predict(Rows rows) throws Exception {
        rows.rows += batch;
        next = (next + 1) % INPUTS;
        return model.predict(inputs.get(next));
    }
}
