package io.inferno.torch.bench;

import io.inferno.runtime.Model;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * What one call of the TorchScript runtime costs on the smallest sample model ({@code torchscript} version 2, one
 * [1, 4] float32 row), in microseconds: back to back ({@code predict}, the way a raw in-process benchmark runs it),
 * and right after the thread slept ({@code predictAfterSleep} minus {@code sleepOnly}, the way a server runs it
 * when the request arrives after an idle gap) or spun for as long ({@code predictAfterSpin} minus
 * {@code spinOnly}). docs/performance.md ("Where the rest of the gap is") quotes a run: on the development machine
 * a call after a sleep costs several times a call back to back.
 *
 * <p>{@code mvn -B -Pbench -pl inferno-torch verify -DskipTests -Djmh.args=TinyModelLatencyBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx512m"})
public class TinyModelLatencyBenchmark {
    private static final long PAUSE_NANOS = 20_000;

    private Model model;
    private Map<String, Tensor> input;

    @Setup(Level.Trial)
    public void load() {
        model = SampleModels.load("torchscript", 2);
        input = Map.of("x", Tensor.ofFloats(Shape.of(1, 4), 0.5f, 1.0f, 1.5f, 2.0f));
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        model.close();
    }

    @Benchmark
    public Map<String, Tensor> predict() throws Exception {
        return model.predict(input);
    }

    @Benchmark
    public Map<String, Tensor> predictAfterSleep() throws Exception {
        LockSupport.parkNanos(PAUSE_NANOS);
        return model.predict(input);
    }

    @Benchmark
    public void sleepOnly() {
        LockSupport.parkNanos(PAUSE_NANOS);
    }

    @Benchmark
    public Map<String, Tensor> predictAfterSpin() throws Exception {
        spin();
        return model.predict(input);
    }

    @Benchmark
    public void spinOnly() {
        spin();
    }

    /** Busy for about as long as a sleep of PAUSE_NANOS lasts here (which is several times that). */
    private static void spin() {
        long end = System.nanoTime() + 5 * PAUSE_NANOS;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
