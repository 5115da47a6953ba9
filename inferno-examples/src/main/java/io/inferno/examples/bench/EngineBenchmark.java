package io.inferno.examples.bench;

import io.inferno.Inferno;
import io.inferno.PredictRequest;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Does batching turn concurrency into throughput? Measures, in one process and one run, rows per second of:
 * <ol>
 *   <li>the raw runtime (the model's own {@code predict}, no engine) at batch 1 and at {@code max_batch_size};
 *   <li>the embedded facade ({@code Inferno.predict}) with 1 caller and with 64 concurrent callers, each sending
 *       one row per request, so any batching is the engine's doing.
 * </ol>
 * Prints a table and the ratio of facade-at-64 to raw-at-full-batch. Figures, not assertions: machines differ.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl inferno-examples exec:java -Dexec.mainClass=io.inferno.examples.bench.EngineBenchmark \
 *     -Dexec.args="models my_classifier 10"
 * </pre>
 * Arguments: repository (models), model (my_classifier), seconds per measurement (10), sequence length (32),
 * libtorch intra-op threads (1: on a small shared machine more threads per batch only fight each other).
 */
public final class EngineBenchmark {
    private EngineBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(args.length > 0 ? args[0] : "models");
        String name = args.length > 1 ? args[1] : "my_classifier";
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        int seq = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        RuntimeOptions options = RuntimeOptions.DEFAULTS.withIntraOpThreads(threads);

        List<ModelPackage> versions = new RepositoryScanner().scan(repo).versions(name);
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("no valid version of " + name + " in " + repo);
        }
        ModelPackage pkg = versions.get(versions.size() - 1);
        ModelConfig config = pkg.config();
        int maxBatch = config.batching().maxBatchSize();
        TensorSpec input;

        List<String[]> rows = new ArrayList<>();
        double rawOne;
        double rawFull;
        ModelLoader loader = new ModelLoader(Runtimes.discovered(EngineBenchmark.class.getClassLoader()),
                options);
        try (Model raw = loader.load(pkg.directory(), config)) {
            // model.yaml's signature, or the one the runtime read from the artifact
            input = ModelLoader.servedConfig(pkg.directory(), config, raw).signature().orElseThrow().inputs().get(0);
            rawOne = rawRowsPerSecond(raw, input, 1, seq, seconds);
            rawFull = rawRowsPerSecond(raw, input, maxBatch, seq, seconds);
        }
        rows.add(new String[] {"raw runtime, batch 1", fmt(rawOne)});
        rows.add(new String[] {"raw runtime, batch " + maxBatch, fmt(rawFull)});

        double facadeOne;
        double facadeMany;
        try (Inferno inferno = Inferno.builder().repository(repo).intraOpThreads(threads).build()) {
            inferno.ready().join();
            facadeOne = facadeRowsPerSecond(inferno, name, input, 1, seq, seconds);
            facadeMany = facadeRowsPerSecond(inferno, name, input, 64, seq, seconds);
        }
        rows.add(new String[] {"facade, 1 caller", fmt(facadeOne)});
        rows.add(new String[] {"facade, 64 callers", fmt(facadeMany)});

        System.out.printf("%n%s v%d, seq %d, %.0f s per measurement, %d intra-op threads, %d cores%n", name,
                config.version(), seq, seconds, threads, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-28s %12s%n", "configuration", "rows/s");
        for (String[] r : rows) {
            System.out.printf("%-28s %12s%n", r[0], r[1]);
        }
        System.out.printf("raw batch %d / raw batch 1:      %.2fx%n", maxBatch, rawFull / rawOne);
        System.out.printf("facade 64 callers / raw batch %d: %.0f%%%n", maxBatch, 100 * facadeMany / rawFull);
        System.out.printf("facade 1 caller / raw batch 1:  %.0f%%%n", 100 * facadeOne / rawOne);
    }

    /** Random rows for the model's first input: int64 token ids, or float32 values; [rows, seq or fixed]. */
    private static Tensor rows(TensorSpec spec, int rows, int seq) {
        int width = spec.shape().size() > 1 && spec.shape().get(1) instanceof Dim.Fixed f ? (int) f.size() : seq;
        int n = rows * width;
        if (spec.dtype() == DType.FLOAT32) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = ThreadLocalRandom.current().nextFloat();
            }
            return Tensor.ofFloats(Shape.of(rows, width), v);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = ThreadLocalRandom.current().nextInt(1, 1000);
        }
        return Tensor.ofLongs(Shape.of(rows, width), v);
    }

    private static double rawRowsPerSecond(Model model, TensorSpec input, int batch, int seq, double seconds)
            throws Exception {
        Map<String, Tensor> in = Map.of(input.name(), rows(input, batch, seq));
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmEnd) {
            model.predict(in);
        }
        long rows = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            model.predict(in);
            rows += batch;
        }
        return rows / ((System.nanoTime() - start) / 1e9);
    }

    private static double facadeRowsPerSecond(Inferno inferno, String name, TensorSpec input, int callers, int seq,
            double seconds) throws InterruptedException {
        PredictRequest request = PredictRequest.of(name, Map.of(input.name(), rows(input, 1, seq)));
        for (int i = 0; i < 200; i++) {
            inferno.predict(request).join();
        }
        AtomicLong rows = new AtomicLong();
        long[] latencies = new long[callers == 1 ? 2_000_000 : 0];
        CountDownLatch done = new CountDownLatch(callers);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        for (int c = 0; c < callers; c++) {
            Thread t = new Thread(() -> {
                long mine = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    inferno.predict(request).join();
                    if (mine < latencies.length) {
                        latencies[(int) mine] = System.nanoTime() - t0;
                    }
                    mine++;
                }
                rows.addAndGet(mine);
                done.countDown();
            }, "caller-" + c);
            t.setDaemon(true);
            t.start();
        }
        done.await();
        if (callers == 1) {
            long[] l = java.util.Arrays.copyOf(latencies, (int) Math.min(rows.get(), latencies.length));
            java.util.Arrays.sort(l);
            System.out.printf("facade, 1 caller: p50 %.3f ms, p99 %.3f ms over %d requests%n",
                    l[l.length / 2] / 1e6, l[(int) (l.length * 0.99)] / 1e6, l.length);
        }
        return rows.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static String fmt(double v) {
        return String.format("%,.0f", v);
    }
}
