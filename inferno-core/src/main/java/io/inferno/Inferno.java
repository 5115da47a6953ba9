package io.inferno;

import io.inferno.internal.Batcher;
import io.inferno.internal.EngineMetrics;
import io.inferno.internal.ModelRegistry;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Device;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.ModelRuntime;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.StateStore;
import io.inferno.tensor.Tensor;
import io.inferno.time.Scheduler;
import io.inferno.time.SystemScheduler;
import io.inferno.time.Ticker;
import io.inferno.validation.ValidatedRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.inferno.internal.Reconciler;
import io.inferno.state.ReplicaReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inferno embedded in a JVM application: a model repository served in process, with the same registry, batching,
 * validation and metrics as the HTTP server.
 *
 * <pre>{@code
 * try (Inferno inferno = Inferno.builder().repository(Path.of("models")).build()) {
 *     Prediction p = inferno.predict(PredictRequest.of("torchscript",
 *             Map.of("x", Tensor.ofFloats(Shape.of(1, 4), 1, 2, 3, 4)))).join();
 *     float[] y = p.output("y").toFloatArray();
 * }
 * }</pre>
 *
 * Every operation is thread-safe. Failures are {@link InfernoException}s: synchronously for the administrative
 * calls' argument errors, otherwise through the returned future.
 */
public final class Inferno implements AutoCloseable {
    private final ModelRegistry registry;
    private final EngineMetrics metrics;
    private final PrometheusRegistry prometheus;
    private final Ticker ticker;
    private final StateStore store;
    private final List<AutoCloseable> owned;
    private final CompletableFuture<Void> ready;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Reconciler reconciler;

    private Inferno(Builder b, List<AutoCloseable> owned, Scheduler scheduler, Executor batchExecutor,
            Executor loadExecutor) {
        this.ticker = b.ticker;
        this.store = b.stateStore;
        this.prometheus = b.prometheus;
        this.owned = owned;
        this.metrics = new EngineMetrics(prometheus, b.latencyBuckets);
        RepositorySnapshot snapshot = new RepositoryScanner().scan(b.repository);
        Runtimes runtimes = b.runtimes.build();
        ModelLoader loader = new ModelLoader(runtimes, b.runtimeOptions());
        this.registry = new ModelRegistry(snapshot, loader, store, loadExecutor,
                (pkg, model) -> newBatcher(pkg, model, scheduler, batchExecutor), metrics);
        this.reconciler = new Reconciler(registry, store, scheduler, loadExecutor, b.replicaId,
                b.reconcileInterval, b.reconcile);
        // the recorded desired state (shared store) first; then preload whatever it does not mention
        CompletableFuture<Void> initial = reconciler.start();
        this.ready = b.preload ? initial.thenCompose(ignored -> registry.preload()) : initial;
    }

    private Batcher newBatcher(ModelPackage pkg, Model model, Scheduler scheduler, Executor executor) {
        var c = pkg.config();
        Batcher batcher = new Batcher(c.id(), model, new Batcher.Settings(c.batching().maxBatchSize(),
                TimeUnit.MILLISECONDS.toNanos(c.batching().maxBatchLatencyMs()), c.batching().maxQueueSize(),
                c.maxConcurrency()), ticker, scheduler, executor, metrics.listener(c.name(), c.version()));
        metrics.watchQueue(c.name(), c.version(), batcher::queueDepth);
        return batcher;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Completes when startup loading (preload) has finished, whether each model loaded or failed. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /**
     * Makes a prediction. The future fails with {@link InvalidInputException} (the request disagrees with the
     * signature), {@link ModelNotFoundException}, {@link OverloadedException} (queue full or shutting down),
     * {@link DeadlineExceededException} (waited longer than its timeout) or {@link ModelExecutionException}.
     */
    public CompletableFuture<Prediction> predict(PredictRequest request) {
        long start = ticker.read();
        CompletableFuture<Prediction> result = predict(request, start, true);
        return result.whenComplete((p, failure) -> {
            if (failure == null) {
                metrics.observeLatency(request.model(), ticker.read() - start);
            } else {
                metrics.countException(request.model(), unwrap(failure));
            }
        });
    }

    private CompletableFuture<Prediction> predict(PredictRequest request, long start, boolean mayRetry) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                    "Inferno is shutting down"));
        }
        ModelRegistry.Loaded now = registry.resolveNow(request.model(), request.version());
        if (now != null) {
            return submit(now, request, start, mayRetry);
        }
        return registry.resolve(request.model(), request.version())
                .thenCompose(loaded -> submit(loaded, request, start, mayRetry));
    }

    private CompletableFuture<Prediction> submit(ModelRegistry.Loaded loaded, PredictRequest request, long start,
            boolean mayRetry) {
        ValidatedRequest valid;
        try {
            valid = request.outputs().isPresent()
                    ? loaded.validator().validate(request.inputs(), request.outputs().get())
                    : loaded.validator().validate(request.inputs());
        } catch (InvalidInputException e) {
            return CompletableFuture.failedFuture(e);
        }
        long timeoutNanos = request.timeout().map(d -> d.toNanos())
                .orElse(TimeUnit.MILLISECONDS.toNanos(loaded.pkg().config().batching().timeoutMs()));
        long version = loaded.version();
        CompletableFuture<Map<String, Tensor>> outputs = loaded.batcher().submit(valid.inputs(), valid.batchKey(),
                valid.rows(), valid.outputs(), start + timeoutNanos);
        CompletableFuture<Prediction> answer = outputs.thenApply(o -> new Prediction(request.model(), version, o));
        if (!mayRetry || request.version().isPresent()) {
            return answer;
        }
        // An unload or swap can retire a version between resolving it and submitting to it: go once more to
        // whatever is active now, so that no request fails because of the swap.
        return answer.handle((p, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(p);
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof OverloadedException o && o.reason() == OverloadedException.Reason.SHUTTING_DOWN
                    && !closed.get()) {
                return predict(request, start, false);
            }
            return CompletableFuture.<Prediction>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** Every model in the repository, with its active, loaded and on-disk versions and its failures. */
    public List<ModelStatus> models() {
        return registry.list();
    }

    /** One model's status. @throws ModelNotFoundException for an unknown model */
    public ModelStatus model(String name) {
        return registry.status(name);
    }

    /**
     * Metadata and signature of a model version (the active one when {@code version} is empty), loading it first
     * when it is the active version and not loaded yet.
     */
    public CompletableFuture<ModelDescription> describe(String name, OptionalLong version) {
        return registry.resolve(name, version).thenApply(l -> ModelDescription.of(l.pkg().config()));
    }

    /** Loads a version (if needed) and makes it active. Completes when it serves. */
    public CompletableFuture<Void> load(String name, long version) {
        requireOpen();
        return registry.load(name, version);
    }

    /** Unloads a version: stops admitting to it, lets accepted requests finish, frees it. */
    public CompletableFuture<Void> unload(String name, long version) {
        requireOpen();
        return registry.unload(name, version);
    }

    /** The latest heartbeat of every replica sharing this instance's state store (empty when in process). */
    public List<ReplicaReport> fleet() {
        return reconciler.fleet();
    }

    /** Whether the state store answered its last call (always true in process). */
    public boolean stateStoreHealthy() {
        return store.healthy();
    }

    /** The registry the engine's metrics are in. */
    public PrometheusRegistry metricsRegistry() {
        return prometheus;
    }

    /** A request on its way to a model; close it once the request is submitted or abandoned. */
    public interface Announcement extends AutoCloseable {
        @Override
        void close();
    }

    private static final Announcement NOTHING_ANNOUNCED = () -> {};

    /**
     * Announces a request for a model whose body is still being decoded, so that a forming batch of the version
     * that will serve it waits for it (see docs/engine.md, the dispatch rule). Close the announcement once the
     * request is submitted or abandoned. Optional and cheap; for a model that is not loaded it does nothing.
     */
    public Announcement announce(String model, OptionalLong version) {
        ModelRegistry.Loaded l = registry.resolveNow(model, version);
        if (l == null) {
            return NOTHING_ANNOUNCED;
        }
        Batcher.Arrival arrival = l.batcher().announce();
        return arrival::close;
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN, "Inferno is shutting down");
        }
    }

    /**
     * Stops admitting requests, lets every accepted one finish, frees every model (native memory included), then
     * stops the threads Inferno created. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        reconciler.close();
        try {
            registry.drainAll().join();
        } finally {
            closeAll(owned);
            try {
                store.close();
            } catch (RuntimeException e) {
                // best effort
            }
        }
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: the rest still gets closed
            }
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Configures an {@link Inferno}; every setting but the repository has a default. */
    public static final class Builder {
        private Path repository;
        private Device device = Device.AUTO;
        private OptionalInt intraOpThreads = OptionalInt.empty();
        private OptionalInt interOpThreads = OptionalInt.empty();
        private boolean preload = true;
        private StateStore stateStore = new InMemoryStateStore();
        private PrometheusRegistry prometheus = new PrometheusRegistry();
        private double[] latencyBuckets = EngineMetrics.DEFAULT_LATENCY_BUCKETS;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler;
        private Executor batchExecutor;
        private Executor loadExecutor;
        private final Runtimes.Builder runtimes = Runtimes.builder();
        private boolean discover = true;
        private boolean reconcile = true;
        private Duration reconcileInterval = Duration.ofSeconds(5);
        private String replicaId = defaultReplicaId();

        private Builder() {}

        private static String defaultReplicaId() {
            String host = System.getenv("HOSTNAME");
            return (host == null || host.isBlank() ? "replica" : host) + "-" + ProcessHandle.current().pid();
        }

        /**
         * Whether to converge on the state store's desired state in the background (default true): a periodic
         * sweep, plus the store's change notifications. Only matters with a shared store.
         */
        public Builder reconcile(boolean on) {
            this.reconcile = on;
            return this;
        }

        /** How often the background sweep runs (default 5 s); it also publishes this replica's heartbeat. */
        public Builder reconcileInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("reconcile interval must be positive, got " + interval);
            }
            this.reconcileInterval = interval;
            return this;
        }

        /** This replica's id in heartbeats (default: host name and process id). */
        public Builder replicaId(String id) {
            this.replicaId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** The model repository directory (required). */
        public Builder repository(Path path) {
            this.repository = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Where models run: auto (default), cpu, cuda or cuda:N. */
        public Builder device(Device d) {
            this.device = Objects.requireNonNull(d, "device");
            return this;
        }

        /** Threads one operator may use (libtorch intra-op); default: the runtime's own. */
        public Builder intraOpThreads(int n) {
            this.intraOpThreads = OptionalInt.of(n);
            return this;
        }

        /** Threads for independent operators (libtorch inter-op); default: the runtime's own. */
        public Builder interOpThreads(int n) {
            this.interOpThreads = OptionalInt.of(n);
            return this;
        }

        /** Load every model's active version at start (default true); otherwise on first use. */
        public Builder preload(boolean on) {
            this.preload = on;
            return this;
        }

        /** Where desired model state lives; default: in process. */
        public Builder stateStore(StateStore store) {
            this.stateStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The Prometheus registry for the engine's metrics; default: a new one. */
        public Builder metricsRegistry(PrometheusRegistry registry) {
            this.prometheus = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Upper bounds of the latency histograms, in seconds. */
        public Builder latencyBuckets(double... bounds) {
            if (bounds.length == 0) {
                throw new IllegalArgumentException("at least one latency bucket is needed");
            }
            this.latencyBuckets = bounds.clone();
            return this;
        }

        /** The clock for deadlines and metrics; default: {@link System#nanoTime()}. */
        public Builder ticker(Ticker t) {
            this.ticker = Objects.requireNonNull(t, "ticker");
            return this;
        }

        /** Timers for batch latency and deadlines; default: one daemon thread, closed with Inferno. */
        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /** Runs batches; default: a pool of daemon threads, closed with Inferno. */
        public Builder batchExecutor(Executor e) {
            this.batchExecutor = Objects.requireNonNull(e, "executor");
            return this;
        }

        /** Runs model loads; default: a pool of daemon threads, closed with Inferno. */
        public Builder loadExecutor(Executor e) {
            this.loadExecutor = Objects.requireNonNull(e, "executor");
            return this;
        }

        /** Adds a runtime (replacing a discovered one of the same format). */
        public Builder runtime(ModelRuntime runtime) {
            runtimes.register(runtime);
            return this;
        }

        /** Whether to find runtimes on the class path with ServiceLoader (default true). */
        public Builder discoverRuntimes(boolean on) {
            this.discover = on;
            return this;
        }

        RuntimeOptions runtimeOptions() {
            return new RuntimeOptions(device, intraOpThreads, interOpThreads);
        }

        /**
         * Scans the repository and starts loading (with preload on). A model that fails to load is reported by
         * {@link Inferno#models()}; it never stops the others.
         *
         * @throws IllegalArgumentException when the repository is not set or is not a directory
         */
        public Inferno build() {
            if (repository == null) {
                throw new IllegalArgumentException("repository is required: Inferno.builder().repository(path)");
            }
            if (discover) {
                runtimes.discover(Inferno.class.getClassLoader()); // never replaces an explicit registration
            }
            List<AutoCloseable> owned = new ArrayList<>();
            Scheduler s = scheduler;
            if (s == null) {
                SystemScheduler system = new SystemScheduler("inferno-timer");
                owned.add(system);
                s = system;
            }
            Executor batch = batchExecutor;
            if (batch == null) {
                ExecutorService pool = Executors.newCachedThreadPool(daemon("inferno-batch-"));
                owned.add(pool::shutdown);
                batch = pool;
            }
            Executor load = loadExecutor;
            if (load == null) {
                ExecutorService pool = Executors.newCachedThreadPool(daemon("inferno-load-"));
                owned.add(pool::shutdown);
                load = pool;
            }
            try {
                return new Inferno(this, owned, s, batch, load);
            } catch (RuntimeException | Error e) {
                closeAll(owned);
                throw e;
            }
        }

        private static ThreadFactory daemon(String prefix) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, prefix + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
    }
}
