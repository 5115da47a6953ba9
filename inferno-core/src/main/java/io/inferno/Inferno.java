package io.inferno;

import io.inferno.internal.Batcher;
import io.inferno.internal.EngineMetrics;
import io.inferno.internal.LoadedVersion;
import io.inferno.internal.ModelRegistry;
import io.inferno.internal.Reconciler;
import io.inferno.internal.RepositoryPoller;
import io.inferno.internal.VersionLoader;
import io.inferno.repository.RepositoryScanner;
import io.inferno.runtime.Device;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.ModelRuntime;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.ReplicaReport;
import io.inferno.state.StateStore;
import io.inferno.tensor.Tensor;
import io.inferno.time.Scheduler;
import io.inferno.time.SystemScheduler;
import io.inferno.time.Ticker;
import io.inferno.validation.ValidatedRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
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
public final class Inferno implements ModelService, AutoCloseable {
    /** The {@code model} label of metrics for a name that is not a model of the repository. */
    public static final String UNKNOWN_MODEL_LABEL = "_unknown";

    private final ModelRegistry registry;
    private final EngineMetrics metrics;
    private final PrometheusRegistry prometheus;
    private final Ticker ticker;
    private final StateStore store;
    private final List<AutoCloseable> owned;
    private final boolean preload;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Held by {@link #start()} while it sets things going, and by {@link #close()} to mark the instance closed. */
    private final Object lifecycle = new Object();
    private final Reconciler reconciler;
    private final RepositoryPoller poller;

    private Inferno(Builder b, Settings s) {
        this.ticker = b.ticker;
        this.store = s.store;
        this.prometheus = s.prometheus;
        this.owned = s.owned;
        this.metrics = new EngineMetrics(prometheus, b.latencyBuckets);
        Runtimes runtimes = s.runtimes;
        ModelLoader loader = new ModelLoader(runtimes, b.runtimeOptions());
        VersionLoader versions = VersionLoader.of(loader, ticker, s.scheduler, s.batchExecutor, metrics);
        this.registry = new ModelRegistry(b.repository, new RepositoryScanner(runtimes.configParser()), versions,
                s.loadExecutor);
        this.reconciler = new Reconciler(registry, store, s.scheduler, s.loadExecutor, b.replicaId,
                b.reconcileInterval, b.reconcile);
        this.poller = b.repositoryPollInterval.isZero() ? null
                : new RepositoryPoller(registry, s.scheduler, s.loadExecutor, b.repositoryPollInterval);
        this.preload = b.preload;
        if (b.startOnBuild) {
            start();
        }
    }

    /** What {@link Builder#build} creates for one instance: defaults are never shared between two builds. */
    private record Settings(StateStore store, PrometheusRegistry prometheus, Runtimes runtimes, Scheduler scheduler,
            Executor batchExecutor, Executor loadExecutor, List<AutoCloseable> owned) {}

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the startup work: converging on the state store's desired state, then preloading what it does not
     * mention, and the repository poll. {@link Builder#build} calls it unless {@link Builder#startOnBuild} was
     * turned off; calling it again, or after {@link #close()}, does nothing. Returns at once; {@link #ready()}
     * completes when the loading is done. A {@code close()} meanwhile waits for this to return, then stops what it
     * started.
     */
    public Inferno start() {
        synchronized (lifecycle) { // a close() meanwhile waits, then stops all that this set going
            if (closed.get() || !started.compareAndSet(false, true)) {
                return this;
            }
            // the recorded desired state (shared store) first; then preload whatever it does not mention
            CompletableFuture<Void> initial = reconciler.start();
            (preload ? initial.thenCompose(ignored -> registry.preload()) : initial).whenComplete((ok, failure) -> {
                if (failure == null) {
                    ready.complete(null);
                } else {
                    ready.completeExceptionally(failure);
                }
            });
            if (poller != null) {
                poller.start();
            }
            return this;
        }
    }

    /**
     * Completes when startup loading (preload) has finished, whether each model loaded or failed; never before
     * {@link #start()} (or {@link #close()}, which completes it too).
     */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /**
     * Makes a prediction. The future fails with {@link InvalidInputException} (the request disagrees with the
     * signature), {@link ModelNotFoundException}, {@link OverloadedException} (queue full or shutting down),
     * {@link DeadlineExceededException} (waited longer than its timeout) or {@link ModelExecutionException}.
     *
     * <p>Threads: when the model's batcher is idle (no batch running or forming, nothing queued) and traffic is light
     * (its last batch carried one request), the model runs on the calling thread and the returned future is
     * already complete; otherwise the batch runs on the batch executor, and the future completes there, so keep its
     * continuations short (see docs/engine.md, threads).
     */
    @Override
    public CompletableFuture<Prediction> predict(PredictRequest request) {
        return predict(request, NOTHING_ANNOUNCED);
    }

    /**
     * Makes the prediction that {@code announcement} announced (see {@link #announce}), closing the announcement in
     * the same step: the request then never waits for itself, as it would if the announcement were closed only after
     * {@link #predict(PredictRequest)} queued it. Otherwise as {@link #predict(PredictRequest)}; still close the
     * announcement (closing twice does nothing), since this may fail before it gets that far.
     */
    public CompletableFuture<Prediction> predict(PredictRequest request, Announcement announcement) {
        Objects.requireNonNull(announcement, "announcement");
        long start = ticker.read();
        CompletableFuture<Prediction> result = predict(request, start, true, announcement);
        if (result.isDone() && !result.isCompletedExceptionally()) { // answered on this thread: nothing to chain
            metrics.observeLatency(request.model(), ticker.read() - start);
            return result;
        }
        return cancels(result.whenComplete((p, failure) -> {
            if (failure == null) {
                metrics.observeLatency(request.model(), ticker.read() - start);
            } else {
                metrics.countException(metricsLabel(request.model()), unwrap(failure));
            }
        }), result);
    }

    /**
     * Makes cancelling {@code downstream} cancel {@code upstream} too, so that a caller who cancels the future
     * {@link #predict} returned takes its request out of the queue at once (freeing its tensors and its slot).
     */
    private static <T> CompletableFuture<T> cancels(CompletableFuture<T> downstream, CompletableFuture<?> upstream) {
        downstream.whenComplete((v, failure) -> {
            if (downstream.isCancelled()) {
                upstream.cancel(false);
            }
        });
        return downstream;
    }

    private CompletableFuture<Prediction> predict(PredictRequest request, long start, boolean mayRetry,
            Announcement announcement) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(shuttingDown());
        }
        LoadedVersion now = registry.resolveNow(request.model(), request.version());
        if (now != null) {
            return submit(now, request, start, mayRetry, announcement);
        }
        return registry.resolve(request.model(), request.version())
                .thenCompose(loaded -> submit(loaded, request, start, mayRetry, announcement));
    }

    private CompletableFuture<Prediction> submit(LoadedVersion loaded, PredictRequest request, long start,
            boolean mayRetry, Announcement announcement) {
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
        CompletableFuture<Map<String, Tensor>> outputs = announcement instanceof Announced a
                ? loaded.batcher().submit(valid.inputs(), valid.batchKey(), valid.rows(), valid.outputs(),
                        start + timeoutNanos, a.arrival())
                : loaded.batcher().submit(valid.inputs(), valid.batchKey(), valid.rows(), valid.outputs(),
                        start + timeoutNanos);
        if (outputs.isDone() && !outputs.isCompletedExceptionally()) { // the model ran on this thread
            return CompletableFuture.completedFuture(new Prediction(request.model(), version, outputs.join()));
        }
        CompletableFuture<Prediction> answer = cancels(
                outputs.thenApply(o -> new Prediction(request.model(), version, o)), outputs);
        if (!mayRetry || request.version().isPresent()) {
            return answer;
        }
        // An unload or swap can retire a version between resolving it and submitting to it: go once more to
        // whatever is active now, so that no request fails because of the swap.
        return cancels(answer.handle((p, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(p);
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof OverloadedException o && o.reason() == OverloadedException.Reason.SHUTTING_DOWN
                    && !closed.get()) {
                return predict(request, start, false, NOTHING_ANNOUNCED);
            }
            return CompletableFuture.<Prediction>failedFuture(cause);
        }).thenCompose(f -> f), answer);
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
    @Override
    public CompletableFuture<ModelDescription> describe(String name, OptionalLong version) {
        return registry.resolve(name, version).thenApply(l -> ModelDescription.of(l.pkg().config()));
    }

    /**
     * Loads a version (if needed) and makes it active; the other loaded versions stay loaded. The model's folder is
     * rescanned first, so a version (or a whole model) copied into the repository after start loads without a
     * restart, validated exactly as at startup. Completes when the version serves; fails with
     * {@link ModelNotFoundException} (no such model or version on disk), {@link ModelLoadException} (the package
     * is invalid or the runtime refused it), {@link StateUnavailableException} (the shared store cannot record the
     * change) or {@link OverloadedException} (shutting down). Never throws.
     */
    @Override
    public CompletableFuture<Void> load(String name, long version) {
        Objects.requireNonNull(name, "name");
        if (closed.get()) {
            return CompletableFuture.failedFuture(shuttingDown());
        }
        if (version < 1) {
            return CompletableFuture.failedFuture(new InvalidInputException(
                    "version must be a positive integer, got " + version));
        }
        return reconciler.load(name, version);
    }

    /**
     * Unloads a version: stops admitting to it, lets accepted requests finish, frees it (native memory included).
     * Unloading the active version makes the highest remaining loaded version active, or none. Fails with
     * {@link ModelNotFoundException} when the version is not loaded. Never throws.
     */
    @Override
    public CompletableFuture<Void> unload(String name, long version) {
        Objects.requireNonNull(name, "name");
        if (closed.get()) {
            return CompletableFuture.failedFuture(shuttingDown());
        }
        return reconciler.unload(name, version);
    }

    /**
     * The value of the {@code model} label in metrics for a request that names {@code model}: the name itself for
     * a model of the repository, {@link #UNKNOWN_MODEL_LABEL} for anything else, so that clients naming models that
     * do not exist cannot create unbounded series.
     */
    public String metricsLabel(String model) {
        return model != null && registry.knows(model) ? model : UNKNOWN_MODEL_LABEL;
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
     * that will serve it waits for it (see docs/engine.md, the dispatch rule). Submit the request with
     * {@link #predict(PredictRequest, Announcement)}, and close the announcement in any case (it may be abandoned).
     * Optional and cheap; for a model that is not loaded it does nothing.
     */
    public Announcement announce(String model, OptionalLong version) {
        LoadedVersion l = registry.resolveNow(model, version);
        if (l == null) {
            return NOTHING_ANNOUNCED;
        }
        return new Announced(l.batcher().announce());
    }

    /** An announcement to a loaded version's batcher. */
    private record Announced(Batcher.Arrival arrival) implements Announcement {
        @Override
        public void close() {
            arrival.close();
        }
    }

    private static OverloadedException shuttingDown() {
        return new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN, "Inferno is shutting down");
    }

    /**
     * Stops admitting requests, lets every accepted one finish, frees every model (native memory included), then
     * stops the threads Inferno created. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) { // never in the middle of start(), whose executors and timers it stops
            if (!closed.compareAndSet(false, true)) {
                return;
            }
        }
        ready.complete(null); // nothing is left to wait for when it never started
        reconciler.close();
        if (poller != null) {
            poller.close();
        }
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

    /**
     * Configures an {@link Inferno}; every setting but the repository has a default. Setters check their argument
     * at once; {@link #build} may be called more than once, and each instance gets its own defaults (metrics
     * registry, state store, threads).
     */
    public static final class Builder {
        private Path repository;
        private Device device = Device.AUTO;
        private OptionalInt intraOpThreads = OptionalInt.empty();
        private OptionalInt interOpThreads = OptionalInt.empty();
        private boolean preload = true;
        private boolean startOnBuild = true;
        private StateStore stateStore; // null: a new in-process store per build
        private PrometheusRegistry prometheus; // null: a new registry per build
        private double[] latencyBuckets = EngineMetrics.DEFAULT_LATENCY_BUCKETS;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler;
        private Executor batchExecutor;
        private Executor loadExecutor;
        private final List<ModelRuntime> runtimes = new ArrayList<>();
        private boolean discover = true;
        private boolean reconcile = true;
        private Duration reconcileInterval = Duration.ofSeconds(5);
        private Duration repositoryPollInterval = Duration.ZERO;
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

        /** How often the background sweep and the heartbeat run (default 5 s). */
        public Builder reconcileInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("reconcile interval must be positive, got " + interval);
            }
            this.reconcileInterval = interval;
            return this;
        }

        /**
         * How often to rescan the whole repository so that the listing shows new packages and failures (default
         * {@link Duration#ZERO}: never; an admin load always rescans its model). A rescan never loads or unloads.
         */
        public Builder repositoryPollInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("repository poll interval must be zero (off) or positive, got "
                        + interval);
            }
            this.repositoryPollInterval = interval;
            return this;
        }

        /** This replica's id in heartbeats (default: host name and process id). */
        public Builder replicaId(String id) {
            Objects.requireNonNull(id, "id");
            if (id.isBlank()) {
                throw new IllegalArgumentException("replica id must not be blank");
            }
            this.replicaId = id;
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

        /** Threads one operator may use (libtorch intra-op), 1 or more; default: the runtime's own. */
        public Builder intraOpThreads(int n) {
            this.intraOpThreads = OptionalInt.of(positive("intra-op threads", n));
            return this;
        }

        /** Threads for independent operators (libtorch inter-op), 1 or more; default: the runtime's own. */
        public Builder interOpThreads(int n) {
            this.interOpThreads = OptionalInt.of(positive("inter-op threads", n));
            return this;
        }

        private static int positive(String what, int n) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be 1 or more, got " + n);
            }
            return n;
        }

        /** Load every model's active version at start (default true); otherwise on first use. */
        public Builder preload(boolean on) {
            this.preload = on;
            return this;
        }

        /**
         * Whether {@link #build} starts the startup work at once (default true). With false, nothing loads until
         * {@link Inferno#start()}: the server binds its port in between, so that it answers {@code /health/ready}
         * (503) while models load, and a port in use fails startup before any model loads.
         */
        public Builder startOnBuild(boolean on) {
            this.startOnBuild = on;
            return this;
        }

        /** Where desired model state lives; default: a new in-process store for each instance built. */
        public Builder stateStore(StateStore store) {
            this.stateStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The Prometheus registry for the engine's metrics; default: a new one for each instance built. */
        public Builder metricsRegistry(PrometheusRegistry registry) {
            this.prometheus = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Upper bounds of the latency histograms, in seconds: positive, finite, ascending. */
        public Builder latencyBuckets(double... bounds) {
            Objects.requireNonNull(bounds, "bounds");
            if (bounds.length == 0) {
                throw new IllegalArgumentException("at least one latency bucket is needed");
            }
            for (int i = 0; i < bounds.length; i++) {
                if (!(bounds[i] > 0) || Double.isInfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                    throw new IllegalArgumentException("latency buckets must be positive, finite and ascending, got "
                            + java.util.Arrays.toString(bounds));
                }
            }
            this.latencyBuckets = bounds.clone();
            return this;
        }

        /** The clock for deadlines and metrics; default: {@link System#nanoTime()}. */
        public Builder ticker(Ticker t) {
            this.ticker = Objects.requireNonNull(t, "ticker");
            return this;
        }

        /** Timers for batch latency, deadlines, sweeps and polls; default: one daemon thread per instance. */
        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /** Runs batches; default: a pool of daemon threads per instance, closed with it. */
        public Builder batchExecutor(Executor e) {
            this.batchExecutor = Objects.requireNonNull(e, "executor");
            return this;
        }

        /**
         * Runs model loads, rescans and state-store calls; default: a pool of daemon threads per instance, closed
         * with it. It must not run tasks on the submitting thread.
         */
        public Builder loadExecutor(Executor e) {
            this.loadExecutor = Objects.requireNonNull(e, "executor");
            return this;
        }

        /** Adds a runtime (replacing a discovered one of the same format). */
        public Builder runtime(ModelRuntime runtime) {
            Objects.requireNonNull(runtime, "runtime");
            Objects.requireNonNull(runtime.format(), "runtime.format()");
            runtimes.add(runtime);
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
         * Scans the repository and starts loading (with preload on, unless {@link #startOnBuild} is off). A model
         * that fails to load is reported by {@link Inferno#models()}; it never stops the others.
         *
         * @throws IllegalArgumentException when the repository is not set or is not a directory
         */
        public Inferno build() {
            if (repository == null) {
                throw new IllegalArgumentException("repository is required: Inferno.builder().repository(path)");
            }
            Runtimes.Builder found = Runtimes.builder();
            runtimes.forEach(found::register);
            if (discover) {
                found.discover(Inferno.class.getClassLoader()); // never replaces an explicit registration
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
                return new Inferno(this, new Settings(stateStore != null ? stateStore : new InMemoryStateStore(),
                        prometheus != null ? prometheus : new PrometheusRegistry(), found.build(), s, batch, load,
                        owned));
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
