package io.inferno.torch.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.inferno.runtime.Device;
import io.inferno.runtime.Model;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The graph optimizer on and off in one process, interleaved: two copies of my_classifier, each run on its own
 * thread with the switch set for that thread, alternating short cells (random batch sizes 1..32, then batch 32)
 * over several rounds; prints each round and the medians. Both copies are first warmed over batch sizes 1..32.
 *
 * <p>In inferno-torch, after {@code mvn -B -q -pl inferno-torch -am test-compile dependency:build-classpath
 * -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt}:
 * <pre>java -Dai.djl.offline=true -cp "$(cat target/test-classpath.txt):target/classes:target/test-classes" \
 *     io.inferno.torch.bench.OptimizerProbe 12 0.5</pre>
 */
public final class OptimizerProbe {
    private OptimizerProbe() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        double cell = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
        RuntimeOptions options = new RuntimeOptions(Device.AUTO, OptionalInt.of(Integer.getInteger("probe.intra", 1)),
                OptionalInt.of(1));
        Model[] models = {SampleModels.load("my_classifier", 1, options),
            SampleModels.load("my_classifier", 1, options)};
        ExecutorService[] threads = {Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor()};
        boolean[] optimize = {true, false};
        Random random = new Random(3);
        try {
            for (int m = 0; m < 2; m++) {
                int k = m;
                threads[m].submit(() -> {
                    models[k].predict(ExecutionProbe.input(random, 1)); // the runtime sets the switch once per thread
                    JniUtils.setGraphExecutorOptimize(optimize[k]);
                    long t = System.nanoTime();
                    for (int size = 1; size <= 32; size++) {
                        for (int i = 0; i < 3; i++) {
                            models[k].predict(ExecutionProbe.input(random, size));
                        }
                    }
                    System.out.printf("optimizer %s: warm-up over sizes 1..32 (3 runs each) %.0f ms%n",
                            optimize[k] ? "on" : "off", (System.nanoTime() - t) / 1e6);
                    return null;
                }).get();
            }
            List<double[]> random32 = List.of(new double[rounds], new double[rounds]);
            List<double[]> full = List.of(new double[rounds], new double[rounds]);
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < 2; j++) {
                    int m = (r + j) % 2;
                    random32.get(m)[r] = threads[m].submit(() -> rowsPerSecond(models[m], random, cell, 0)).get();
                    full.get(m)[r] = threads[m].submit(() -> rowsPerSecond(models[m], random, cell, 32)).get();
                }
                System.out.printf("round %d: random 1..32 on %.0f off %.0f; batch 32 on %.0f off %.0f rows/s%n", r + 1,
                        random32.get(0)[r], random32.get(1)[r], full.get(0)[r], full.get(1)[r]);
            }
            System.out.printf("median rows/s: random 1..32 on %.0f off %.0f (ratio %.2f); batch 32 on %.0f off %.0f"
                    + " (ratio %.2f)%n", median(random32.get(0)), median(random32.get(1)), medianRatio(random32),
                    median(full.get(0)), median(full.get(1)), medianRatio(full));
        } finally {
            for (ExecutorService t : threads) {
                t.shutdown();
            }
            for (Model m : models) {
                m.close();
            }
        }
    }

    private static double rowsPerSecond(Model model, Random random, double seconds, int fixed) throws Exception {
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inputs.add(ExecutionProbe.input(random, fixed > 0 ? fixed : 1 + random.nextInt(32)));
        }
        long rows = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int i = 0;
        long now;
        do {
            Map<String, Tensor> in = inputs.get(i++ % inputs.size());
            model.predict(in);
            rows += in.get("tokens").rows();
            now = System.nanoTime();
        } while (now < end);
        return rows / ((now - start) / 1e9);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double medianRatio(List<double[]> v) {
        double[] r = new double[v.get(0).length];
        for (int i = 0; i < r.length; i++) {
            r[i] = v.get(0)[i] / v.get(1)[i];
        }
        return median(r);
    }
}
