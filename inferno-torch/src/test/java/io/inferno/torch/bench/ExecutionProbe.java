package io.inferno.torch.bench;

import io.inferno.runtime.Device;
import io.inferno.runtime.Model;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Model execution through the runtime on my_classifier (seq 32), for deciding the graph-optimizer and warm-up
 * settings: the load time, the first runs at each batch size on the loading thread and on another thread, then
 * batches of random sizes 1..32 (rows/s, p50, p99.9, max per batch) and batch 32 alone. Run it once per setting
 * (the optimizer switch is read at start) and compare the runs:
 *
 * <pre>java -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=true \
 *     -cp "$(cat target/test-classpath.txt):target/classes:target/test-classes" \
 *     io.inferno.torch.bench.ExecutionProbe 2000</pre>
 * ({@code -Dprobe.shapes=true} instead lists the runs over 5 ms across batch sizes 1..32 and sequence lengths 32, 8
 * and 64; {@code -Dprobe.intra=2} sets two intra-op threads.)
 */
public final class ExecutionProbe {
    private static final int SEQ = 32;

    private ExecutionProbe() {}

    public static void main(String[] args) throws Exception {
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        long t0 = System.nanoTime();
        int intra = Integer.getInteger("probe.intra", 1);
        Model model = SampleModels.load("my_classifier", 1, new RuntimeOptions(Device.AUTO, OptionalInt.of(intra),
                OptionalInt.of(Integer.getInteger("probe.inter", 1))));
        System.out.printf("load %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        Random random = new Random(7);
        if (Boolean.getBoolean("probe.shapes")) {
            StringBuilder slow = new StringBuilder("runs over 5 ms (call#:rows x seq = ms):");
            int call = 0;
            for (int seq : new int[] {32, 8, 64}) {
                for (int size = 1; size <= 32; size++) {
                    for (int i = 0; i < 2; i++) {
                        call++;
                        double ms = time(model, input(random, size, seq));
                        if (ms > 5) {
                            slow.append(String.format(" %d:%dx%d=%.0f", call, size, seq, ms));
                        }
                    }
                }
            }
            System.out.println(slow);
            model.close();
            return;
        }
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            StringBuilder firsts = new StringBuilder("first runs on a cold size (ms, loading thread; another thread):");
            for (int size : new int[] {3, 17, 32}) {
                double a = time(model, input(random, size));
                double b = time(model, input(random, size));
                double c = other.submit(() -> time(model, input(random, size))).get();
                firsts.append(String.format(" b%d %.1f,%.1f;%.1f", size, a, b, c));
            }
            System.out.println(firsts);
            double[] ms = new double[batches];
            long rows = 0;
            long start = System.nanoTime();
            for (int i = 0; i < batches; i++) {
                int size = 1 + random.nextInt(32);
                rows += size;
                ms[i] = time(model, input(random, size));
            }
            double secs = (System.nanoTime() - start) / 1e9;
            Arrays.sort(ms);
            System.out.printf("random 1..32: %.0f rows/s, per batch p50 %.2f ms, p99 %.2f, p99.9 %.2f, max %.1f ms%n",
                    rows / secs, ms[batches / 2], ms[batches * 99 / 100], ms[batches * 999 / 1000], ms[batches - 1]);
            Map<String, Tensor> full = input(random, 32);
            for (int i = 0; i < 20; i++) {
                model.predict(full);
            }
            int n = Math.max(50, batches / 8);
            start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                model.predict(full);
            }
            secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("batch 32: %.0f rows/s (%.2f ms per batch)%n", n * 32 / secs, secs * 1e3 / n);
        } finally {
            other.shutdown();
            model.close();
        }
    }

    private static double time(Model model, Map<String, Tensor> in) throws Exception {
        long t = System.nanoTime();
        model.predict(in);
        return (System.nanoTime() - t) / 1e6;
    }

    static Map<String, Tensor> input(Random random, int rows) {
        return input(random, rows, SEQ);
    }

    static Map<String, Tensor> input(Random random, int rows, int seq) {
        long[] ids = new long[rows * seq];
        for (int j = 0; j < ids.length; j++) {
            ids[j] = random.nextInt(1000);
        }
        return Map.of("tokens", Tensor.ofLongs(Shape.of(rows, seq), ids));
    }
}
