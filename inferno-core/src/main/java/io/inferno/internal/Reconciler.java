package io.inferno.internal;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process converged on the desired state in the {@link StateStore}: a sweep at start, a periodic sweep
 * (which also publishes this replica's heartbeat), and an immediate reconcile of one model when the store notifies
 * a change. Store calls run on the executor, never on the timer thread. When the store is unreachable, serving
 * goes on with the last state applied, and the next sweep resynchronises once it answers again.
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
    private volatile Scheduler.Cancellable timer;

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
        CompletableFuture<Void> first = CompletableFuture.supplyAsync(this::sweep, executor).thenCompose(f -> f);
        first.whenComplete((ok, failure) -> scheduleNext());
        return first.exceptionally(failure -> null);
    }

    private void scheduleNext() {
        if (!stopped.get()) {
            timer = scheduler.schedule(() -> executor.execute(() -> {
                sweep().whenComplete((ok, failure) -> scheduleNext());
            }), interval.toNanos());
        }
    }

    /** Applies every recorded desired state and publishes the heartbeat. */
    CompletableFuture<Void> sweep() {
        if (stopped.get()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, DesiredState> all;
        try {
            all = store.all();
            store.heartbeat(new ReplicaReport(replicaId, registry.loadedVersions(), Instant.now()));
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
        all.forEach((model, desired) -> work.add(registry.reconcile(model, desired)));
        return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
    }

    private void reconcileOne(String model) {
        try {
            store.get(model).ifPresent(desired -> registry.reconcile(model, desired));
        } catch (RuntimeException e) {
            LOG.warn("could not read the desired state of {}: {}", model, e.getMessage());
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
            Scheduler.Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }
    }
}
