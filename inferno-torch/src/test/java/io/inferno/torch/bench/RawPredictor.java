package io.inferno.torch.bench;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The baseline bench/compare.sh measures Inferno against: a DJL {@link Predictor} on my_classifier's TorchScript
 * file, in process, one thread, with DJL's defaults and the thread counts and graph-optimizer setting the JVM is
 * given ({@code -Dai.djl.pytorch.num_threads}, {@code -Dai.djl.pytorch.graph_optimizer}; bench/compare.sh passes
 * the server's). The module is put in inference mode, as Inferno's runtime loads it: a
 * model loaded with DJL's defaults alone ran 1.2 to 2x slower here, a weaker baseline
 * ({@code -Draw.inferenceMode=false} measures that one). Token ids go in as a {@code long[]} and probabilities come out
 * as a {@code float[]}, as an application would use it. Batch 1 and batch 32 alternate over {@code rounds} cells of
 * {@code seconds} each, after a warm-up of 3 s or more per size; prints one line per batch size with the median
 * rows/s of the cells:
 *
 * <pre>java -Dai.djl.offline=true -cp ... io.inferno.torch.bench.RawPredictor models/my_classifier/1/model.ts 5 2</pre>
 *
 * Output: {@code raw-djl batch=1 rows_per_s=3712 cells=3650,3712,3800}.
 */
public final class RawPredictor {
    private static final int SEQ = 32;

    private RawPredictor() {}

    /** long[] token ids of {@code batch} rows in, the {@code [batch, 4]} probabilities out. */
    private record Tokens(int batch) implements NoBatchifyTranslator<long[], float[]> {
        @Override
        public NDList processInput(TranslatorContext ctx, long[] ids) {
            return new NDList(ctx.getNDManager().create(ids, new Shape(batch, SEQ)));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.singletonOrThrow().toFloatArray();
        }
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args.length > 0 ? args[0] : "models/my_classifier/1/model.ts");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 2;
        int[] batches = {1, 32};
        try (Model model = Model.newInstance("my_classifier", "PyTorch")) {
            model.load(file.getParent(), file.getFileName().toString());
            if (Boolean.parseBoolean(System.getProperty("raw.inferenceMode", "true"))) {
                JniUtils.enableInferenceMode((PtSymbolBlock) model.getBlock());
            }
            List<Predictor<long[], float[]>> predictors = new ArrayList<>();
            List<List<long[]>> inputs = new ArrayList<>();
            Random random = new Random(42);
            for (int batch : batches) {
                predictors.add(model.newPredictor(new Tokens(batch)));
                List<long[]> in = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    long[] ids = new long[batch * SEQ];
                    for (int j = 0; j < ids.length; j++) {
                        ids[j] = random.nextInt(1000);
                    }
                    in.add(ids);
                }
                inputs.add(in);
            }
            for (int b = 0; b < batches.length; b++) { // warm-up, not counted: the JIT and libtorch's optimizer
                cell(predictors.get(b), inputs.get(b), batches[b], Math.max(seconds, 3));
            }
            double[][] cells = new double[batches.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < batches.length; j++) {
                    int b = (r + j) % batches.length; // alternate which batch size goes first
                    cells[b][r] = cell(predictors.get(b), inputs.get(b), batches[b], seconds);
                }
            }
            for (int b = 0; b < batches.length; b++) {
                double[] sorted = cells[b].clone();
                Arrays.sort(sorted);
                StringBuilder all = new StringBuilder();
                for (double c : cells[b]) {
                    all.append(all.length() == 0 ? "" : ",").append(Math.round(c));
                }
                System.out.printf("raw-djl batch=%d rows_per_s=%d cells=%s%n", batches[b],
                        Math.round(sorted[rounds / 2]), all);
            }
            predictors.forEach(Predictor::close);
        }
    }

    private static double cell(Predictor<long[], float[]> predictor, List<long[]> inputs, int batch, double seconds)
            throws Exception {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long rows = 0;
        long now;
        int i = 0;
        do {
            predictor.predict(inputs.get(i++ % inputs.size()));
            rows += batch;
            now = System.nanoTime();
        } while (now < end);
        return rows / ((now - start) / 1e9);
    }
}
