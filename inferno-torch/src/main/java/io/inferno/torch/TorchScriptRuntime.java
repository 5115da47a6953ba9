package io.inferno.torch;

import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import io.inferno.ModelLoadException;
import io.inferno.model.FormatRules;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.ModelRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads {@code format: torchscript} models (files saved with {@code torch.jit.save}) into libtorch through DJL's
 * PyTorch engine, on the CPU or a CUDA GPU. See docs/torchscript.md for how inputs and outputs map, the dtypes,
 * devices and threads.
 *
 * <p>The artifact is model.yaml's {@code file} in the version directory, by default {@code model.ts} if it exists,
 * else {@code model.pt} ({@link #DEFAULT_FILES}); a package that sets no {@code file} and holds neither is refused
 * when the repository is scanned. A file that is missing, outside that
 * directory, or not TorchScript fails the load with a {@link ModelLoadException} naming it; so does a signature
 * dtype this engine cannot exchange, or a CUDA device that is not there. A {@code forward} whose arguments
 * disagree with the signature fails the loader's warmup or dry run with the declaration quoted. Failed loads free
 * what they allocated; the process stays usable.
 *
 * <p>libtorch starts with the first load (DJL extracts it from the pytorch-native jar into its cache,
 * {@code ~/.djl.ai} or {@code DJL_CACHE_DIR}; DJL is kept offline, see {@code TorchEngine.quietDjl()}). Thread
 * settings from {@link io.inferno.runtime.RuntimeOptions} are process-wide and the first load's win.
 */
public final class TorchScriptRuntime implements ModelRuntime {
    public static final String FORMAT = "torchscript";

    /** The artifacts tried, in order, when a torchscript model.yaml sets no {@code file}. */
    public static final List<String> DEFAULT_FILES = List.of("model.ts", "model.pt");

    private static final FormatRules RULES = FormatRules.artifactFile(DEFAULT_FILES);

    private static final Logger log = LoggerFactory.getLogger(TorchScriptRuntime.class);

    public TorchScriptRuntime() {}

    @Override
    public String format() {
        return FORMAT;
    }

    /** An artifact named by {@code file}, else {@link #DEFAULT_FILES}; no {@code entrypoint}. */
    @Override
    public FormatRules formatRules() {
        return RULES;
    }

    @Override
    public Model load(ModelContext context) {
        ModelConfig config = context.config();
        // torchscript's rules require a signature in model.yaml: libtorch cannot tell forward's types
        Signature signature = config.signature().orElseThrow(() -> new ModelLoadException(
                context.resolve("model.yaml") + ": format torchscript needs a signature in model.yaml"));
        Path file = context.artifact();
        List<String> problems = dtypeProblems(signature);
        if (!problems.isEmpty()) {
            throw new ModelLoadException(context.resolve("model.yaml") + ": " + String.join("; ", problems));
        }
        TorchEngine engine = start(context, file);
        ai.djl.Device device;
        try {
            device = engine.device(context.options().device());
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage());
        }
        ai.djl.Model model = ai.djl.Model.newInstance(config.id(), device, "PyTorch");
        try {
            // mapLocation: parameters saved on a GPU load onto the chosen device, the CPU included
            model.load(file, null, Map.of("mapLocation", "true"));
            JniUtils.enableInferenceMode((PtSymbolBlock) model.getBlock());
            // from here on every array belongs to a per-batch sub-manager; a stray one fails loudly
            model.getNDManager().cap();
        } catch (EngineException | IOException | MalformedModelException e) {
            model.close();
            throw new ModelLoadException(file + ": cannot load it as TorchScript: " + TorchErrors.reason(e)
                    + " (expected a file saved with torch.jit.save)", e);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
        log.info("loaded {} from {} on {}: max_concurrency {}, max_batch_size {}, intra-op threads {}, inter-op threads"
                + " {}, graph optimizer {}", config.id(), file, device, config.maxConcurrency(),
                config.batching().maxBatchSize(), JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                engine.graphOptimizer() ? "on" : "off");
        return new TorchScriptModel(config.id(), file.getFileName().toString(), signature, model, engine);
    }

    /** Signature dtypes DJL cannot exchange with libtorch; checked before anything native runs. */
    static List<String> dtypeProblems(Signature signature) {
        List<String> problems = new ArrayList<>();
        for (TensorSpec in : signature.inputs()) {
            if (TorchTypes.toDjl(in.dtype()).isEmpty()) {
                problems.add(TorchTypes.unsupported("input '" + in.name() + "'", in.dtype()));
            }
        }
        for (TensorSpec out : signature.outputs()) {
            if (TorchTypes.toDjl(out.dtype()).isEmpty()) {
                problems.add(TorchTypes.unsupported("output '" + out.name() + "'", out.dtype()));
            }
        }
        return problems;
    }

    private static TorchEngine start(ModelContext context, Path file) {
        try {
            return TorchEngine.start(context.options());
        } catch (EngineException | IllegalArgumentException | IllegalStateException e) {
            throw new ModelLoadException(file + ": cannot start libtorch: " + TorchErrors.reason(e)
                    + " (the pytorch-native jar must be on the class path; see docs/torchscript.md)", e);
        }
    }
}
