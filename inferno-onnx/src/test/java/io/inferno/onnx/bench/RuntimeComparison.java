package io.inferno.onnx.bench;

import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.runtime.Device;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;

/**
 * ONNX Runtime against libtorch on the same classifier, in one process: {@code my_classifier} (TorchScript) and
 * {@code my_classifier_onnx} (the same weights exported to ONNX), rows per second through each runtime's
 * {@link Model#predict}, seq 32, at batch 1 and 32, one calling thread, one intra-op and one inter-op thread for
 * both engines.
 *
 * <p>On a shared machine the load drifts by the second, so the cells are not measured one after the other but
 * interleaved: each round measures every cell for a short while, alternating which format goes first, and the
 * report gives each cell's median over the rounds and the median of the per-round ratios (ONNX Runtime over
 * TorchScript, measured seconds apart). JMH, which forks one JVM per cell and runs them in turn, would compare
 * minutes apart.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl inferno-onnx exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.inferno.onnx.bench.RuntimeComparison -Dexec.args="$PWD/models 12 1.5"
 * </pre>
 * Arguments: the model repository (default {@code ../models}), rounds (12), seconds per cell and round (1.5).
 */
public final class RuntimeComparison {
    private static final int SEQ = 32;
    private static final int INPUTS = 16;
    private static final int[] BATCHES = {1, 32};
    private static final String[] FORMATS = {"torchscript", "onnx"};

    private RuntimeComparison() {}

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(args.length > 0 ? args[0] : "../models");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 1.5;
        RuntimeOptions oneThread = new RuntimeOptions(Device.CPU, OptionalInt.of(1), OptionalInt.of(1));
        ModelLoader loader = new ModelLoader(Runtimes.discovered(RuntimeComparison.class.getClassLoader()),
                oneThread);
        try (Model torch = load(loader, repo, "my_classifier"); Model onnx = load(loader, repo, "my_classifier_onnx")) {
            Model[] models = {torch, onnx};
            List<List<Map<String, Tensor>>> inputs = new ArrayList<>();
            for (int batch : BATCHES) {
                inputs.add(inputs(batch));
            }
            String loadBefore = loadAverage();
            for (int b = 0; b < BATCHES.length; b++) { // warm up every cell
                for (Model m : models) {
                    rowsPerSecond(m, inputs.get(b), BATCHES[b], 2.0);
                }
            }
            double[][][] rows = new double[BATCHES.length][FORMATS.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int b = 0; b < BATCHES.length; b++) {
                    for (int i = 0; i < FORMATS.length; i++) {
                        int f = r % 2 == 0 ? i : FORMATS.length - 1 - i; // alternate which format goes first
                        rows[b][f][r] = rowsPerSecond(models[f], inputs.get(b), BATCHES[b], seconds);
                    }
                }
            }
            System.out.printf("%d rounds of %.1f s per cell; load average %s at the start, %s at the end%n", rounds,
                    seconds, loadBefore, loadAverage());
            System.out.printf("%-6s %-12s %12s %12s %12s %14s%n", "batch", "format", "median", "min", "max",
                    "onnx/torch");
            for (int b = 0; b < BATCHES.length; b++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = rows[b][1][r] / rows[b][0][r];
                }
                for (int f = 0; f < FORMATS.length; f++) {
                    double[] cell = rows[b][f].clone();
                    Arrays.sort(cell);
                    System.out.printf("%-6d %-12s %12.0f %12.0f %12.0f %14s%n", BATCHES[b], FORMATS[f], median(cell),
                            cell[0], cell[cell.length - 1], f == 1 ? String.format("%.2fx", median(ratios)) : "");
                }
            }
        }
    }

    private static Model load(ModelLoader loader, Path repo, String name) {
        ModelPackage p = new RepositoryScanner().scan(repo).find(name, 1)
                .orElseThrow(() -> new IllegalStateException(name + ":1 not found in " + repo));
        return loader.load(p.directory(), p.config());
    }

    private static List<Map<String, Tensor>> inputs(int batch) {
        Random random = new Random(42 + batch);
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (int i = 0; i < INPUTS; i++) {
            long[] ids = new long[batch * SEQ];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = random.nextInt(1000);
            }
            inputs.add(Map.of("tokens", Tensor.ofLongs(Shape.of(batch, SEQ), ids)));
        }
        return inputs;
    }

    /** Rows per second of back-to-back predictions for about {@code seconds}. */
    private static double rowsPerSecond(Model model, List<Map<String, Tensor>> inputs, int batch, double seconds)
            throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        long calls = 0;
        long now;
        do {
            model.predict(inputs.get((int) (calls % inputs.size())));
            calls++;
            now = System.nanoTime();
        } while (now < end);
        return calls * batch / ((now - start) / 1e9);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
