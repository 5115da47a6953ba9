package io.inferno.internal;

import io.inferno.ModelNotFoundException;
import io.inferno.OverloadedException;
import io.inferno.state.DesiredState;
import io.inferno.state.ReplicaReport;
import io.inferno.state.StateStore;
import io.inferno.time.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired state: records admin changes in the {@link StateStore} and keeps this process converged on it.
 *
 * <h2>Admin changes</h2>
 * {@link #load} rescans the model's folder, loads the version, records "loaded and active" in the store, then
 * applies the recorded state here; {@link #unload} records the unload, then applies. A model that has no recorded
 * state yet starts from what this replica serves by default ({@link ModelEntry#currentState}), so a first hot swap
 * keeps the preloaded version loaded, exactly as every later sweep will see it. When the store refuses a load, a
 * version that call loaded is unloaded again, so that this replica does not keep a version the others do not have.
 *
 * <h2>Convergence</h2>
 * A sweep at start, a periodic sweep, and an immediate reconcile of one model when the store notifies a change.
 * Each reads the desired state, loads what it lists and is missing here (rescanning the model's folder for versions
 * not seen yet), then applies it with {@link ModelEntry#apply}, which loses against any newer change applied
 * meanwhile. Heartbeats run on their own timer, so a long load never drops this replica from the fleet view. When
 * the store is unreachable, serving goes on with the last state applied, and the next sweep resynchronises.
 *
 * <h2>Threads</h2>
 * Every store call and every continuation after a load runs on the executor: never on the caller's thread (an
 * admin call returns at once), never on the timer thread.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final ModelRegistry registry;
    private final StateStore store;
    private final Scheduler scheduler;
    private final Executor executor;
    private final String replicaId;
    private final Duration interval;
    private final boolean enabled;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicBoolean storeDown = new AtomicBoolean();
    private volatile Scheduler.Cancellable sweepTimer;
    private volatile Scheduler.Cancellable heartbeatTimer;

    public Reconciler(ModelRegistry registry, StateStore store, Scheduler scheduler, Executor executor,
            String replicaId, Duration interval, boolean enabled) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.store = Objects.requireNonNull(store, "store");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.enabled = enabled;
    }

    // ---- admin changes

    /**
     * Loads {@code version} (rescanning the model's folder first) and makes it active once loaded, recording the
     * change in the store. Requests already accepted by the previous active version finish there.
     */
    public CompletableFuture<Void> load(String name, long version) {
        return async(() -> {
            ModelEntry e = registry.rescan(name);
            if (e == null) {
                return CompletableFuture.<Void>failedFuture(new ModelNotFoundException(ModelNotFoundException.MESSAGE
                        + ": the repository has no model '" + name + "'"));
            }
            e.pin(version);
            boolean wasThere = e.hasOrLoads(version);
            return e.ensureLoaded(version)
                    .thenComposeAsync(loaded -> record(e, s -> s.withLoadedActive(version), wasThere
                            ? () -> CompletableFuture.completedFuture(null) : () -> e.undoLoad(version)), executor)
                    .whenComplete((ok, failure) -> e.unpin(version));
        });
    }

    /** Stops routing to {@code version}, records the unload, lets its accepted requests finish, then frees it. */
    public CompletableFuture<Void> unload(String name, long version) {
        ModelEntry e = registry.entry(name);
        if (e == null || e.resolveNow(OptionalLong.of(version)) == null) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        return async(() -> record(e, s -> s.withUnloaded(version), () -> CompletableFuture.completedFuture(null)));
    }

    /** Records a change in the store, then applies the recorded state; on a store failure runs {@code undo}. */
    private CompletableFuture<Void> record(ModelEntry e, UnaryOperator<DesiredState> change,
            Supplier<CompletableFuture<Void>> undo) {
        long before = e.appliedRevision();
        DesiredState recorded;
        try {
            recorded = store.update(e.name(), s -> change.apply(s.revision() == 0 ? e.currentState() : s));
        } catch (RuntimeException refused) {
            return undo.get().handle((ok, x) -> null).thenCompose(x -> CompletableFuture.failedFuture(refused));
        }
        return converge(e, recorded, before);
    }

    // ---- convergence

    /** Subscribes to changes and runs the first sweep; the future completes when that sweep has converged. */
    public CompletableFuture<Void> start() {
        if (!enabled) {
            return CompletableFuture.completedFuture(null);
        }
        store.subscribe(model -> {
            if (!stopped.get()) {
                executor.execute(() -> reconcileOne(model));
            }
        });
        executor.execute(this::heartbeat);
        CompletableFuture<Void> first = async(this::sweep);
        first.whenComplete((ok, failure) -> scheduleSweep());
        return first.exceptionally(failure -> null);
    }

    private void scheduleSweep() {
        if (!stopped.get()) {
            sweepTimer = scheduler.schedule(() -> async(this::sweep).whenComplete((ok, failure) -> scheduleSweep()),
                    interval.toNanos());
        }
    }

    /** Publishes this replica's heartbeat now and then every interval, whatever the sweeps are doing. */
    private void heartbeat() {
        if (stopped.get()) {
            return;
        }
        heartbeatTimer = scheduler.schedule(() -> {
            try {
                executor.execute(this::heartbeat);
            } catch (RejectedExecutionException shuttingDown) {
                // closing: no more heartbeats
            }
        }, interval.toNanos());
        try {
            store.heartbeat(new ReplicaReport(replicaId, registry.loadedVersions(), Instant.now()));
        } catch (RuntimeException e) {
            LOG.debug("heartbeat not published: {}", e.getMessage());
        }
    }

    /** Applies every recorded desired state. */
    CompletableFuture<Void> sweep() {
        if (stopped.get()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, Long> before = registry.appliedRevisions(); // read before the store: see ModelEntry#apply
        Map<String, DesiredState> all;
        try {
            all = store.all();
            if (storeDown.compareAndSet(true, false)) {
                LOG.info("state store reachable again; resynchronising");
            }
        } catch (RuntimeException e) {
            if (storeDown.compareAndSet(false, true)) {
                LOG.warn("state store unreachable; serving on the last known state: {}", e.getMessage());
            }
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> work = new ArrayList<>();
        all.forEach((model, desired) -> work.add(reconcile(model, desired, before.getOrDefault(model, 0L))));
        return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
    }

    private void reconcileOne(String model) {
        ModelEntry e = registry.entry(model);
        long before = e == null ? 0 : e.appliedRevision();
        try {
            store.get(model).ifPresent(desired -> reconcile(model, desired, before));
        } catch (RuntimeException failure) {
            LOG.warn("could not read the desired state of {}: {}", model, failure.getMessage());
        }
    }

    private CompletableFuture<Void> reconcile(String model, DesiredState desired, long before) {
        ModelEntry e = registry.entry(model);
        if (e == null || !desired.loaded().stream().allMatch(e::onDisk)) {
            e = registry.rescan(model); // a model or version copied in since the last scan
        }
        if (e == null) {
            LOG.warn("desired state names model {}, which this repository does not have", model);
            return CompletableFuture.completedFuture(null);
        }
        return converge(e, desired, before);
    }

    /**
     * Loads what {@code desired} lists and is missing here, then applies it. When a newer change overtook it and
     * this call loaded something, reads the store again so that nothing it loaded outlives its purpose.
     */
    private CompletableFuture<Void> converge(ModelEntry e, DesiredState desired, long before) {
        List<CompletableFuture<?>> loads = new ArrayList<>();
        for (long v : desired.loaded()) {
            if (!e.onDisk(v) && !e.hasOrLoads(v)) {
                LOG.warn("desired state wants {} version {}, which is not on disk here", e.name(), v);
            } else {
                loads.add(e.ensureLoaded(v).exceptionally(failure -> null)); // at once when loaded already
            }
        }
        return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).thenComposeAsync(ignored -> {
            ModelEntry.Applied applied = e.apply(desired, before);
            if (applied.stale()) {
                if (!loads.isEmpty() && !stopped.get()) {
                    executor.execute(() -> reconcileOne(e.name()));
                }
                return CompletableFuture.completedFuture(null);
            }
            return CompletableFuture.allOf(applied.releases().toArray(CompletableFuture[]::new));
        }, executor);
    }

    /** Runs {@code work} on the executor; a refused task fails the returned future. */
    private <T> CompletableFuture<T> async(Supplier<CompletableFuture<T>> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor).thenCompose(f -> f);
        } catch (RejectedExecutionException refused) {
            return CompletableFuture.failedFuture(new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                    "Inferno is shutting down"));
        }
    }

    /** The fleet's heartbeats, or empty when the store cannot say. */
    public List<ReplicaReport> fleet() {
        try {
            return store.fleet();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        if (stopped.compareAndSet(false, true)) {
            for (Scheduler.Cancellable t : new Scheduler.Cancellable[] {sweepTimer, heartbeatTimer}) {
                if (t != null) {
                    t.cancel();
                }
            }
        }
    }
}
