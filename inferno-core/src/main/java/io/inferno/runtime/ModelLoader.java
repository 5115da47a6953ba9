package io.inferno.runtime;

import io.inferno.ModelLoadException;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.ModelConfigParser;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a model version with the runtime of its format and proves, before anyone depends on it, that it keeps
 * its signature: every warmup sample in model.yaml runs once (or, with none, one dry-run batch of one row of
 * zeros), and every declared output must come back with its declared dtype, rank and fixed dimensions, and the
 * batch's row count along a leading {@code batch} dimension. A model that fails is closed again, and the load fails
 * with a {@link ModelLoadException} that names the directory and says which output disagrees and how.
 *
 * <p>A model that asks for it ({@link Model#warmsUpBatchSizes}) then runs at the batch sizes of
 * {@link #warmupBatchSizes}, so that no request meets its slow first runs.
 *
 * <p>When model.yaml leaves {@code signature} out (a format whose runtime reads it from the artifact), the check
 * uses the signature the model returns from {@link Model#signature()}, and first finishes what the parser could not
 * check without one ({@link #servedConfig}).
 */
public final class ModelLoader {
    /**
     * Runs per batch size of the load-time warm-up: libtorch's profiling executor profiles the first run of a graph
     * and optimizes on the next.
     */
    public static final int WARMUP_RUNS_PER_SIZE = 2;

    private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

    private final Runtimes runtimes;
    private final RuntimeOptions options;

    public ModelLoader(Runtimes runtimes, RuntimeOptions options) {
        this.runtimes = Objects.requireNonNull(runtimes, "runtimes");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Loads and checks one model version.
     *
     * @throws ModelLoadException naming the directory and the reason
     */
    public Model load(Path directory, ModelConfig config) {
        ModelRuntime runtime = runtimes.forFormat(config.format());
        Model model;
        try {
            model = runtime.load(new ModelContext(directory, config, options));
        } catch (ModelLoadException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            throw new ModelLoadException(directory + ": " + config.format() + " runtime failed to load "
                    + config.id() + ": " + describe(e), e);
        }
        if (model == null) {
            throw new ModelLoadException(directory + ": " + config.format() + " runtime returned no model");
        }
        try {
            ModelConfig served = servedConfig(directory, config, model);
            check(model, served, directory);
            warmBatchSizes(model, served, directory);
            return model;
        } catch (RuntimeException | Error e) {
            closeQuietly(model, e);
            throw e;
        }
    }

    /**
     * The config a loaded model serves with: {@code config} itself when model.yaml declares a signature, else
     * {@code config} {@linkplain ModelConfig#withSignature with the signature} the model read from its artifact
     * ({@link Model#signature()}), held to what model.yaml would have been: batching on (the default) needs every
     * input and output to lead with {@code batch}, and each warmup sample must name inputs of that signature, with
     * their dtypes, and every required one. {@link #load} has checked this already; the engine calls it again to
     * serve the version with the same result.
     *
     * @throws ModelLoadException naming model.yaml and every problem, or saying that the runtime read no signature
     */
    public static ModelConfig servedConfig(Path directory, ModelConfig config, Model model) {
        if (config.signature().isPresent()) {
            return config;
        }
        Path yaml = directory.resolve(ModelConfigParser.FILE_NAME);
        Signature read = model.signature().orElseThrow(() -> new ModelLoadException(yaml + ": no signature, and"
                + " the " + config.format() + " runtime read none from the artifact; declare one in model.yaml"));
        List<String> problems = new ArrayList<>();
        List<String> unbatched = new ArrayList<>();
        read.inputs().stream().filter(t -> !t.batched()).forEach(t -> unbatched.add("input '" + t.name() + "' "
                + t.shapeText()));
        read.outputs().stream().filter(t -> !t.batched()).forEach(t -> unbatched.add("output '" + t.name() + "' "
                + t.shapeText()));
        if (config.batching().enabled() && !unbatched.isEmpty()) {
            problems.add("batching: the model cannot batch, because " + String.join(", ", unbatched)
                    + (unbatched.size() == 1 ? " has" : " have") + " no leading batch dimension; set"
                    + " batching.max_batch_size: 1, or declare a signature");
        }
        for (int n = 0; n < config.warmup().size(); n++) {
            Map<String, Tensor> sample = config.warmup().get(n);
            String path = "warmup[" + n + "]";
            sample.forEach((name, t) -> read.input(name).ifPresentOrElse(spec -> {
                if (t.dtype() != spec.dtype()) {
                    problems.add(path + "." + name + ": dtype " + t.dtype() + " does not match the signature's "
                            + spec.dtype());
                }
            }, () -> problems.add(path + "." + name + ": no input named '" + name + "'; inputs: "
                    + read.inputNamesText())));
            read.inputs().stream().filter(i -> !i.optional() && !sample.containsKey(i.name()))
                    .forEach(i -> problems.add(path + ": missing required input '" + i.name() + "'"));
        }
        if (!problems.isEmpty()) {
            throw new ModelLoadException(yaml + ": with the signature the " + config.format() + " runtime read from"
                    + " the artifact, " + signatureText(read) + ": " + String.join("; ", problems));
        }
        return config.withSignature(read);
    }

    /** {@code inputs x float32 [batch, 4]; outputs y float32 [batch, 3]}, for messages. */
    static String signatureText(Signature s) {
        return "inputs " + specsText(s.inputs()) + "; outputs " + specsText(s.outputs());
    }

    private static String specsText(List<TensorSpec> specs) {
        List<String> parts = new ArrayList<>();
        for (TensorSpec t : specs) {
            parts.add(t.name() + " " + t.dtype() + " " + t.shapeText());
        }
        return String.join(", ", parts);
    }

    private static List<Map<String, Tensor>> samples(ModelConfig config, Signature signature) {
        if (config.warmup().isEmpty()) {
            return List.of(dryRunInputs(signature));
        }
        List<Map<String, Tensor>> ordered = new ArrayList<>();
        for (Map<String, Tensor> sample : config.warmup()) {
            Map<String, Tensor> inOrder = new LinkedHashMap<>();
            for (TensorSpec in : signature.inputs()) {
                Tensor t = sample.get(in.name());
                if (t != null) {
                    inOrder.put(in.name(), t);
                }
            }
            ordered.add(inOrder);
        }
        return ordered;
    }

    /** Runs the warmup samples or the dry run; {@code config} has its signature ({@link #servedConfig}). */
    private static void check(Model model, ModelConfig config, Path directory) {
        Signature signature = config.signature().orElseThrow();
        boolean dryRun = config.warmup().isEmpty();
        List<Map<String, Tensor>> samples = samples(config, signature);
        for (int n = 0; n < samples.size(); n++) {
            Map<String, Tensor> sample = samples.get(n);
            String which = dryRun ? "dry run" : "warmup sample " + (n + 1);
            Map<String, Tensor> outputs;
            try {
                outputs = model.predict(sample);
            } catch (Exception | LinkageError e) {
                throw new ModelLoadException(directory + ": the " + which + " failed: " + describe(e)
                        + (dryRun ? " (a warmup sample in model.yaml makes the load check use real inputs)" : ""),
                        e);
            }
            List<String> problems = outputProblems(signature, outputs, rowsOf(sample, signature));
            if (!problems.isEmpty()) {
                throw new ModelLoadException(directory + ": the model's outputs disagree with its signature in the "
                        + which + ": " + String.join("; ", problems));
            }
        }
    }

    /**
     * The batch sizes a model that asks for it ({@link Model#warmsUpBatchSizes}) runs at load: 1, then each power of
     * two below {@code maxBatchSize}, then {@code maxBatchSize}. Measured on my_classifier with libtorch 2.7.1, only
     * the first optimized run is slow (55 to 180 ms; later sizes and sequence lengths cost what they cost warm), so
     * a few sizes cover it; the spread keeps a runtime that specializes per size from meeting a cold size far from
     * every warmed one.
     */
    public static List<Integer> warmupBatchSizes(int maxBatchSize) {
        List<Integer> sizes = new ArrayList<>();
        for (int size = 1; size < maxBatchSize; size *= 2) {
            sizes.add(size);
        }
        sizes.add(maxBatchSize);
        return sizes;
    }

    private static void warmBatchSizes(Model model, ModelConfig config, Path directory) {
        if (!model.warmsUpBatchSizes()) {
            return;
        }
        Signature signature = config.signature().orElseThrow();
        Map<String, Tensor> sample = samples(config, signature).get(0);
        if (rowsOf(sample, signature) < 1) {
            return;
        }
        List<Integer> sizes = config.batching().enabled() ? warmupBatchSizes(config.batching().maxBatchSize())
                : List.of(1);
        long start = System.nanoTime();
        for (int size : sizes) {
            Map<String, Tensor> batch = repeatFirstRow(sample, signature, size);
            for (int run = 0; run < WARMUP_RUNS_PER_SIZE; run++) {
                try {
                    model.predict(batch);
                } catch (Exception | LinkageError e) {
                    throw new ModelLoadException(directory + ": the warm-up at batch size " + size + " failed: "
                            + describe(e) + " (the model passed its check at " + rowsOf(sample, signature)
                            + " row(s); it must run any batch size up to batching.max_batch_size)", e);
                }
            }
        }
        log.info("{} warmed up at batch sizes {} ({} runs each) in {} ms", config.id(), sizes, WARMUP_RUNS_PER_SIZE,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** {@code sample} with each batched input's first row repeated {@code rows} times; other inputs as they are. */
    static Map<String, Tensor> repeatFirstRow(Map<String, Tensor> sample, Signature signature, int rows) {
        Map<String, Tensor> batch = new LinkedHashMap<>();
        sample.forEach((name, t) -> {
            boolean batched = signature.input(name).map(TensorSpec::batched).orElse(false) && t.shape().rank() > 0;
            batch.put(name, batched ? Tensor.concatRows(Collections.nCopies(rows, t.sliceRows(0, 1))) : t);
        });
        return batch;
    }

    /** One row of zeros per required input: symbolic and any dimensions are 1, fixed ones as declared. */
    static Map<String, Tensor> dryRunInputs(Signature signature) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            if (spec.optional()) {
                continue;
            }
            long[] dims = new long[spec.rank()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = spec.shape().get(i) instanceof Dim.Fixed f ? f.size() : 1;
            }
            Shape shape = Shape.of(dims);
            inputs.put(spec.name(), Tensor.wrap(spec.dtype(), shape,
                    ByteBuffer.allocate(Tensor.checkedByteSize(spec.dtype(), shape))));
        }
        return inputs;
    }

    private static long rowsOf(Map<String, Tensor> sample, Signature signature) {
        for (TensorSpec spec : signature.inputs()) {
            Tensor t = sample.get(spec.name());
            if (t != null && spec.batched() && t.shape().rank() > 0) {
                return t.rows();
            }
        }
        return -1;
    }

    /**
     * What is wrong with a batch's outputs, for a batch of {@code rows} rows (-1 when the inputs are not batched).
     */
    static List<String> outputProblems(Signature signature, Map<String, Tensor> outputs, long rows) {
        List<String> problems = new ArrayList<>();
        if (outputs == null) {
            problems.add("the model returned no outputs (null)");
            return problems;
        }
        for (TensorSpec spec : signature.outputs()) {
            Tensor t = outputs.get(spec.name());
            if (t == null) {
                problems.add("output '" + spec.name() + "' is missing; the model returned "
                        + (outputs.isEmpty() ? "nothing" : String.join(", ", outputs.keySet())));
                continue;
            }
            if (t.dtype() != spec.dtype()) {
                problems.add("output '" + spec.name() + "' has dtype " + t.dtype() + "; model.yaml declares "
                        + spec.dtype());
            }
            Shape shape = t.shape();
            if (shape.rank() != spec.rank()) {
                problems.add("output '" + spec.name() + "' has shape " + shape + "; model.yaml declares "
                        + spec.shapeText() + " (rank " + spec.rank() + ")");
                continue;
            }
            for (int i = 0; i < spec.rank(); i++) {
                Dim d = spec.shape().get(i);
                if (d instanceof Dim.Fixed f && shape.dim(i) != f.size()) {
                    problems.add("output '" + spec.name() + "' has shape " + shape + "; dimension " + i
                            + " should be " + f.size() + " as model.yaml declares " + spec.shapeText());
                }
            }
            if (spec.batched() && rows >= 0 && shape.dim(0) != rows) {
                problems.add("output '" + spec.name() + "' has " + shape.dim(0) + " rows for a batch of " + rows
                        + "; a leading batch dimension must keep one row per input row");
            }
        }
        return problems;
    }

    private static void closeQuietly(Model model, Throwable cause) {
        try {
            model.close();
        } catch (Exception | LinkageError e) {
            cause.addSuppressed(e);
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getName() : message;
    }
}
