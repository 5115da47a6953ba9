package io.inferno.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.inferno.ModelLoadException;
import io.inferno.model.FormatRules;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.ModelRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads {@code format: onnx} models (ONNX graphs, as {@code torch.onnx.export}, tf2onnx or skl2onnx write them) into
 * ONNX Runtime, through DJL's OnnxRuntime engine, on the CPU or with the CUDA execution provider. See docs/onnx.md
 * for how inputs and outputs map, the dtypes, devices and threads.
 *
 * <p>The artifact is model.yaml's {@code file} in the version directory, by default {@code model.onnx}
 * ({@link #DEFAULT_FILE}); a package that sets no {@code file} and holds no model.onnx is refused when the repository
 * is scanned. {@code signature} may be left out of model.yaml: the runtime then serves the graph's own (a leading
 * dynamic dimension becomes {@code batch}), which describing the model shows. When model.yaml declares one, the
 * runtime checks it against the graph's declared inputs and outputs at load (names, element types, ranks, fixed
 * dimensions) and refuses the model with every disagreement named.
 *
 * <p>A file that is missing, outside the version directory, truncated or not ONNX, a graph that disagrees with the
 * signature, one with inputs Inferno cannot carry, and a CUDA device that is not there all fail the load with a
 * {@link ModelLoadException} naming the file; a failed load frees what it allocated, and the process stays usable.
 */
public final class OnnxRuntime implements ModelRuntime {
    public static final String FORMAT = "onnx";

    /** The artifact when an onnx model.yaml sets no {@code file}. */
    public static final String DEFAULT_FILE = "model.onnx";

    private static final FormatRules RULES = FormatRules.artifactFile(List.of(DEFAULT_FILE)).withOptionalSignature();

    /** The longest reason quoted from ONNX Runtime. */
    static final int MAX_REASON = 300;

    /** {@code /onnxruntime_src/<file>:<line> <C++ function>(<parameters>) }, which prefixes some of its reasons. */
    private static final Pattern CPP_LOCATION =
            Pattern.compile("/onnxruntime_src/\\S+:\\d+ [\\w:~<>]+\\((?:[^()]|\\([^()]*\\))*\\) ");

    private static final Logger log = LoggerFactory.getLogger(OnnxRuntime.class);

    public OnnxRuntime() {}

    @Override
    public String format() {
        return FORMAT;
    }

    /** An artifact named by {@code file}, else {@link #DEFAULT_FILE}; no {@code entrypoint}; signature optional. */
    @Override
    public FormatRules formatRules() {
        return RULES;
    }

    @Override
    public Model load(ModelContext context) {
        ModelConfig config = context.config();
        Path file = context.artifact();
        OnnxEngine engine = start(file);
        int gpu;
        try {
            gpu = engine.gpu(context.options().device());
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage());
        }
        OrtSession session = open(engine, context, file, gpu);
        try {
            Graph graph = Graph.of(session);
            Signature served;
            Optional<Signature> read;
            if (config.signature().isPresent()) {
                served = config.signature().get();
                read = Optional.empty();
                List<String> problems = graph.check(served);
                if (!problems.isEmpty()) {
                    throw new ModelLoadException(file + ": the graph disagrees with model.yaml's signature: "
                            + String.join("; ", problems));
                }
            } else {
                served = graphSignature(graph, file, config);
                read = Optional.of(served);
            }
            String device = gpu < 0 ? "cpu" : "cuda:" + gpu;
            log.info("loaded {} from {} on {}", config.id(), file, device);
            return new OnnxModel(config.id(), file.getFileName().toString(), served, read, engine.environment(),
                    session, device);
        } catch (OrtException e) {
            ModelLoadException failure = new ModelLoadException(file + ": cannot read the graph's inputs and outputs: "
                    + reason(e), e);
            closeQuietly(session, failure);
            throw failure;
        } catch (RuntimeException | Error e) {
            closeQuietly(session, e);
            throw e;
        }
    }

    private static Signature graphSignature(Graph graph, Path file, ModelConfig config) {
        List<String> skipped = new ArrayList<>();
        try {
            Signature signature = graph.signature(skipped);
            if (!skipped.isEmpty()) {
                log.info("{}: model.yaml has no signature; outputs left out of the graph's: {}", config.id(),
                        String.join("; ", skipped));
            }
            return signature;
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": model.yaml has no signature, and the graph's cannot be served: "
                    + e.getMessage());
        }
    }

    private static OnnxEngine start(Path file) {
        try {
            return OnnxEngine.start();
        } catch (RuntimeException | LinkageError e) {
            throw new ModelLoadException(file + ": cannot start ONNX Runtime: " + e
                    + " (the onnxruntime jar must be on the class path; see docs/onnx.md)", e);
        }
    }

    private static OrtSession open(OnnxEngine engine, ModelContext context, Path file, int gpu) {
        OrtSession.SessionOptions options;
        try {
            options = engine.sessionOptions(context.options(), gpu);
        } catch (OrtException | IllegalArgumentException e) {
            throw new ModelLoadException(file + ": cannot set up ONNX Runtime's session: " + message(e), e);
        }
        try (options) {
            return engine.environment().createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new ModelLoadException(file + ": cannot load it as ONNX: " + reason(e)
                    + " (expected an ONNX model, such as torch.onnx.export writes)", e);
        }
    }

    /**
     * ONNX Runtime's reason in one line, without the error-code prefix its Java API adds ("Error code -
     * ORT_INVALID_ARGUMENT - message: ") and without the C++ source location and function signature some messages
     * carry ("/onnxruntime_src/onnxruntime/core/graph/model.cc:165 onnxruntime::Model::Model(...) "), at most
     * {@value #MAX_REASON} characters.
     */
    static String reason(OrtException e) {
        String text = message(e).replaceFirst("^Error code - \\w+ - message: ", "");
        text = CPP_LOCATION.matcher(text).replaceAll("").strip();
        text = text.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> a + " " + b).orElse(text);
        return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON - 3) + "...";
    }

    private static String message(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static void closeQuietly(OrtSession session, Throwable cause) {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }
}
