package io.inferno;

import io.inferno.golden.GoldenCase;
import io.inferno.golden.GoldenCases;
import io.inferno.golden.GoldenResult;
import io.inferno.internal.ModelCalls;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.repository.FailedPackage;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Device;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.ModelRuntime;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.tensor.Tensor;
import io.inferno.validation.RequestValidator;
import io.inferno.validation.ValidatedRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One model version, loaded for a test: no server, no batcher, no repository polling and no threads of its own.
 *
 * <pre>{@code
 * try (ModelRunner runner = ModelRunner.open(Path.of("models/torchscript/2"))) {
 *     Prediction p = runner.predict(Map.of("x", Tensor.ofFloats(Shape.of(1, 4), 1, 2, 3, 4)));
 *     float[] y = p.output("y").toFloatArray();
 *     runner.checkGoldenCases().forEach(GoldenResult::assertPassed);
 * }
 * }</pre>
 *
 * It loads as the server does: model.yaml is parsed with the rules of the runtimes found with
 * {@link java.util.ServiceLoader} (plus any registered on the {@link Builder}), the runtime of its format loads
 * the artifact, and {@link ModelLoader} proves the signature with the warmup samples or a dry run; a failure is the
 * server's {@link ModelConfigException} or {@link ModelLoadException}, with the same message. Each prediction is
 * validated as the server validates it, so a bad request throws the {@link InvalidInputException} whose message
 * the server answers with 422, and a model that throws gives the {@link ModelExecutionException} of a 500.
 *
 * <p>{@link #predict} runs the model on the calling thread, as one batch of exactly that request. Calls from
 * several threads are allowed: at most {@code max_concurrency} run at once (model.yaml; the others wait), as the
 * server guarantees to the model. {@link #close} waits for running predictions, then frees the model (native memory
 * included); it is idempotent, and a prediction after it throws {@link IllegalStateException}.
 */
public final class ModelRunner implements AutoCloseable {
    private final ModelPackage pkg; // its config has the served signature
    private final Model model;
    private final RequestValidator validator;
    private final int slots;
    private final Semaphore running;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ModelRunner(ModelPackage pkg, Model model) {
        this.pkg = pkg;
        this.model = model;
        this.validator = RequestValidator.of(pkg.config());
        this.slots = pkg.config().maxConcurrency();
        this.running = new Semaphore(slots);
    }

    /**
     * Opens the version in {@code versionDirectory} ({@code <repository>/<name>/<version>}) with the runtimes on
     * the class path.
     *
     * @throws ModelConfigException for an invalid model.yaml, listing every problem
     * @throws ModelLoadException when the model cannot be loaded or fails its signature check
     */
    public static ModelRunner open(Path versionDirectory) {
        return builder().open(versionDirectory);
    }

    /**
     * Opens version {@code version} of model {@code name} in a repository, with the runtimes on the class path.
     *
     * @throws ModelNotFoundException when the repository has no such version
     * @throws ModelConfigException for an invalid model.yaml, listing every problem
     * @throws ModelLoadException when the model cannot be loaded or fails its signature check
     */
    public static ModelRunner open(Path repository, String name, long version) {
        return builder().open(repository, name, version);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return pkg.name();
    }

    public long version() {
        return pkg.version();
    }

    /** The version directory. */
    public Path directory() {
        return pkg.directory();
    }

    /** The parsed model.yaml, with the signature the version serves (model.yaml's, or the artifact's). */
    public ModelConfig config() {
        return pkg.config();
    }

    /** The signature requests are validated against. */
    public Signature signature() {
        return validator.signature();
    }

    /**
     * Predicts every output.
     *
     * @throws InvalidInputException listing every way the inputs disagree with the signature
     * @throws ModelExecutionException when the model fails, with its message
     */
    public Prediction predict(Map<String, Tensor> inputs) {
        return run(validator.validate(inputs));
    }

    /**
     * Predicts as {@link Inferno#predict} would, synchronously. The request's model must be this runner's, and a
     * pinned version this version; its timeout is ignored, since nothing queues.
     *
     * @throws ModelNotFoundException for another model or version
     * @throws InvalidInputException listing every way the request disagrees with the signature
     * @throws ModelExecutionException when the model fails, with its message
     */
    public Prediction predict(PredictRequest request) {
        Objects.requireNonNull(request, "request");
        if (!request.model().equals(name())
                || (request.version().isPresent() && request.version().getAsLong() != version())) {
            throw new ModelNotFoundException(ModelNotFoundException.MESSAGE + ": this runner has model "
                    + config().id() + ", not " + request.model()
                    + (request.version().isPresent() ? ":" + request.version().getAsLong() : ""));
        }
        return run(request.outputs().isPresent()
                ? validator.validate(request.inputs(), request.outputs().get())
                : validator.validate(request.inputs()));
    }

    private Prediction run(ValidatedRequest valid) {
        running.acquireUninterruptibly();
        Map<String, Tensor> returned;
        try {
            if (closed.get()) {
                throw new IllegalStateException("model runner of " + config().id() + " is closed");
            }
            returned = invoke(valid.inputs());
        } finally {
            running.release();
        }
        Map<String, Tensor> outputs = ModelCalls.returned(returned);
        Map<String, Tensor> selected = new LinkedHashMap<>();
        for (String name : valid.outputs()) {
            selected.put(name, ModelCalls.output(outputs, name));
        }
        return new Prediction(name(), version(), selected);
    }

    private Map<String, Tensor> invoke(Map<String, Tensor> inputs) {
        try {
            return model.predict(inputs);
        } catch (ModelExecutionException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ModelCalls.thrown(config().id(), e);
        } catch (Exception | LinkageError e) {
            throw ModelCalls.thrown(config().id(), e);
        }
    }

    /**
     * The golden examples of this version ({@code tests/} in its directory), sorted by name; none when it has
     * none.
     *
     * @throws ModelConfigException listing every problem of the example files
     */
    public List<GoldenCase> goldenCases() {
        return GoldenCases.read(directory());
    }

    /** Runs one golden example and compares its outcome with the expectation. */
    public GoldenResult check(GoldenCase example) {
        Objects.requireNonNull(example, "example");
        PredictRequest.Builder request = PredictRequest.builder(name()).inputs(example.inputs());
        example.outputs().ifPresent(request::outputs);
        try {
            return example.resultOf(predict(request.build()).outputs());
        } catch (InvalidInputException | ModelExecutionException e) {
            return example.resultOf(e);
        }
    }

    /**
     * Runs every golden example of this version.
     *
     * @throws ModelConfigException listing every problem of the example files
     */
    public List<GoldenResult> checkGoldenCases() {
        return goldenCases().stream().map(this::check).toList();
    }

    /**
     * Waits for running predictions, then frees the model. Idempotent.
     *
     * @throws ModelExecutionException when the model fails to close, with its message
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running.acquireUninterruptibly(slots);
        try {
            model.close();
        } catch (Exception | LinkageError e) {
            throw new ModelExecutionException("model " + config().id() + " failed to close: " + e, e);
        } finally {
            running.release(slots); // a caller still waiting finds the runner closed
        }
    }

    /**
     * Opens runners; by default with the runtimes found with {@link java.util.ServiceLoader} on the class loader
     * that loaded Inferno, on {@link Device#AUTO}.
     */
    public static final class Builder {
        private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

        private final List<ModelRuntime> registered = new ArrayList<>();
        private boolean discover = true;
        private RuntimeOptions options = RuntimeOptions.DEFAULTS;

        private Builder() {}

        /** Adds a runtime (replacing a discovered one of the same format). */
        public Builder runtime(ModelRuntime runtime) {
            registered.add(Objects.requireNonNull(runtime, "runtime"));
            return this;
        }

        /** Whether to add the runtimes found with {@link java.util.ServiceLoader} (default true). */
        public Builder discoverRuntimes(boolean on) {
            this.discover = on;
            return this;
        }

        /** Where models run (default {@link Device#AUTO}). */
        public Builder device(Device device) {
            options = options.withDevice(Objects.requireNonNull(device, "device"));
            return this;
        }

        /** Threads one operator may use (libtorch intra-op), 1 or more; default: the runtime's own. */
        public Builder intraOpThreads(int n) {
            options = options.withIntraOpThreads(n);
            return this;
        }

        /** Threads for independent operators (libtorch inter-op), 1 or more; default: the runtime's own. */
        public Builder interOpThreads(int n) {
            options = new RuntimeOptions(options.device(), options.intraOpThreads(), OptionalInt.of(n));
            return this;
        }

        /**
         * Opens the version in {@code versionDirectory}: its parent's name is the model name, its own name the
         * version, as in a repository.
         *
         * @throws IllegalArgumentException when the directory's names are not a model name and a version
         * @throws ModelConfigException for an invalid model.yaml, listing every problem
         * @throws ModelLoadException when the model cannot be loaded or fails its signature check
         */
        public ModelRunner open(Path versionDirectory) {
            Path dir = versionDirectory.toAbsolutePath().normalize();
            if (dir.getParent() == null || dir.getParent().getFileName() == null) {
                throw new IllegalArgumentException(versionDirectory + " is not a version directory"
                        + " <repository>/<name>/<version>");
            }
            String versionName = dir.getFileName().toString();
            if (!VERSION.matcher(versionName).matches()) {
                throw new IllegalArgumentException(versionDirectory + " is not a version directory: '" + versionName
                        + "' is not a version number (a positive integer without leading zeros, as the server"
                        + " reads them)");
            }
            long version = Long.parseLong(versionName);
            Runtimes runtimes = runtimes();
            String name = dir.getParent().getFileName().toString();
            return load(runtimes, new ModelPackage(runtimes.configParser().parse(dir, name, version), dir));
        }

        /**
         * Opens version {@code version} of model {@code name} in {@code repository}, found as the server finds it
         * (symbolic links that leave the repository are refused).
         *
         * @throws ModelNotFoundException when the repository has no such version
         * @throws ModelConfigException for an invalid model.yaml, listing every problem
         * @throws ModelLoadException when the package is refused or cannot be loaded
         */
        public ModelRunner open(Path repository, String name, long version) {
            Runtimes runtimes = runtimes();
            RepositorySnapshot scan = new RepositoryScanner(runtimes.configParser()).scanModel(repository, name);
            for (FailedPackage f : scan.failures()) {
                if (f.version().isEmpty() || f.version().getAsLong() == version) {
                    throw new ModelLoadException(f.path() + ": " + f.reason());
                }
            }
            ModelPackage pkg = scan.find(name, version).orElseThrow(() -> new ModelNotFoundException(
                    ModelNotFoundException.MESSAGE + ": " + repository + " has no version " + version + " of model '"
                            + name + "'" + versionsText(scan.versions(name))));
            return load(runtimes, pkg);
        }

        private static String versionsText(List<ModelPackage> versions) {
            return versions.isEmpty() ? "" : "; its versions: " + versions.stream()
                    .map(p -> Long.toString(p.version())).collect(Collectors.joining(", "));
        }

        private Runtimes runtimes() {
            Runtimes.Builder all = Runtimes.builder();
            if (discover) {
                all.discover(ModelRunner.class.getClassLoader());
            }
            registered.forEach(all::register); // last: they replace discovered ones of the same format
            return all.build();
        }

        private ModelRunner load(Runtimes runtimes, ModelPackage pkg) {
            Model model;
            try {
                model = new ModelLoader(runtimes, options).load(pkg.directory(), pkg.config());
            } catch (ModelLoadException e) {
                throw e;
            } catch (RuntimeException | LinkageError e) {
                throw new ModelLoadException(pkg.directory() + ": " + e, e);
            }
            try {
                return new ModelRunner(new ModelPackage(ModelLoader.servedConfig(pkg.directory(), pkg.config(),
                        model), pkg.directory()), model);
            } catch (RuntimeException | LinkageError e) {
                try {
                    model.close();
                } catch (Exception | LinkageError closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
    }
}
