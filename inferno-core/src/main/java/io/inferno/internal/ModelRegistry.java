package io.inferno.internal;

import io.inferno.InfernoException;
import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.ModelStatus;
import io.inferno.repository.FailedPackage;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.state.DesiredState;
import io.inferno.state.StateStore;
import io.inferno.validation.RequestValidator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which versions of which models are on disk, loaded and active, and the transitions between those states.
 *
 * <h2>Concurrency</h2>
 * Each model has an immutable {@link View} (active version, loaded versions) in a volatile field: predict reads it
 * without locking. Transitions (a load completing, an unload, a change of active version) happen under the model's
 * own monitor and publish a new view. A load runs on the load executor, outside any lock; concurrent requests for
 * the same version share one load through the {@code loading} map, so a version is loaded exactly once. Nothing
 * blocking (loading, draining, closing, the state store) runs while a monitor is held.
 *
 * <h2>Rules</h2>
 * The active version starts as the highest version on disk; when it cannot be loaded, the next lower one is tried,
 * until one loads or none is left (each failure is recorded with its reason). An explicit {@link #load} makes its
 * version active once it has loaded, so a failed load leaves the previous active version serving. {@link #unload}
 * stops routing to a version at once, drains its batcher, then closes the model; unloading the active version
 * makes the highest remaining loaded version active, or none, and then the model stays unloaded until an explicit
 * load (no lazy reload behind the operator's back).
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    /** A loaded version: its package, model, batcher and request validator. */
    public record Loaded(ModelPackage pkg, Model model, Batcher batcher, RequestValidator validator) {
        public String name() {
            return pkg.name();
        }

        public long version() {
            return pkg.version();
        }
    }

    /** What predict reads: immutable. */
    private record View(OptionalLong active, Map<Long, Loaded> loaded, boolean autoLoad) {
        View withLoaded(long version, Loaded l) {
            Map<Long, Loaded> m = new HashMap<>(loaded);
            m.put(version, l);
            return new View(active, Collections.unmodifiableMap(m), autoLoad);
        }

        View withActive(OptionalLong a, boolean auto) {
            return new View(a, loaded, auto);
        }

        View without(long version) {
            Map<Long, Loaded> m = new HashMap<>(loaded);
            m.remove(version);
            OptionalLong a = active;
            boolean auto = autoLoad;
            if (a.isPresent() && a.getAsLong() == version) {
                a = m.isEmpty() ? OptionalLong.empty() : OptionalLong.of(new TreeSet<>(m.keySet()).last());
                auto = a.isPresent();
            }
            return new View(a, Collections.unmodifiableMap(m), auto);
        }
    }

    private static final class Entry {
        final String name;
        final NavigableMap<Long, ModelPackage> onDisk;
        volatile View view;
        // guarded by this:
        final Map<Long, CompletableFuture<Loaded>> loading = new HashMap<>();
        final Map<Long, CompletableFuture<Void>> releasing = new HashMap<>();
        final Map<Long, String> failures = new TreeMap<>();
        boolean explicit; // the active version was chosen by an operator, not by default
        long appliedRevision; // the newest desired-state revision applied here; older ones are stale

        Entry(String name, List<ModelPackage> versions) {
            this.name = name;
            TreeMap<Long, ModelPackage> m = new TreeMap<>();
            versions.forEach(p -> m.put(p.version(), p));
            this.onDisk = Collections.unmodifiableNavigableMap(m);
            this.view = new View(m.isEmpty() ? OptionalLong.empty() : OptionalLong.of(m.lastKey()), Map.of(), true);
        }
    }

    private final Map<String, Entry> entries;
    private final List<FailedPackage> scanFailures;
    private final ModelLoader loader;
    private final StateStore store;
    private final Executor loadExecutor;
    private final BiFunction<ModelPackage, Model, Batcher> batchers;
    private final EngineMetrics metrics;

    public ModelRegistry(RepositorySnapshot snapshot, ModelLoader loader, StateStore store, Executor loadExecutor,
            BiFunction<ModelPackage, Model, Batcher> batchers, EngineMetrics metrics) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.store = Objects.requireNonNull(store, "store");
        this.loadExecutor = Objects.requireNonNull(loadExecutor, "loadExecutor");
        this.batchers = Objects.requireNonNull(batchers, "batchers");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        Map<String, Entry> m = new TreeMap<>();
        snapshot.models().forEach((name, versions) -> m.put(name, new Entry(name, versions)));
        this.entries = Collections.unmodifiableMap(m);
        this.scanFailures = snapshot.failures();
    }

    /**
     * The loaded version that answers a request right now, without waiting; null when resolving needs a load or
     * cannot succeed (then {@link #resolve} tells which).
     */
    public Loaded resolveNow(String name, OptionalLong version) {
        Entry e = entries.get(name);
        if (e == null) {
            return null;
        }
        View v = e.view;
        OptionalLong want = version.isPresent() ? version : v.active;
        return want.isPresent() ? v.loaded.get(want.getAsLong()) : null;
    }

    /**
     * The loaded version that answers a request, loading the active version first when it is not loaded yet
     * (first use with preload off). Fails with {@link ModelNotFoundException} for unknown models and versions and
     * for versions that are not loaded.
     */
    public CompletableFuture<Loaded> resolve(String name, OptionalLong version) {
        Entry e = entries.get(name);
        if (e == null) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        View v = e.view;
        if (version.isPresent()) {
            Loaded l = v.loaded.get(version.getAsLong());
            if (l != null) {
                return CompletableFuture.completedFuture(l);
            }
            if (v.autoLoad && v.active.equals(version)) {
                return loadActiveByDefault(e);
            }
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        if (v.active.isEmpty()) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        Loaded l = v.loaded.get(v.active.getAsLong());
        if (l != null) {
            return CompletableFuture.completedFuture(l);
        }
        return v.autoLoad ? loadActiveByDefault(e) : CompletableFuture.failedFuture(new ModelNotFoundException());
    }

    /**
     * Loads the default active version; when it fails and no operator chose it, falls back to the next lower
     * version on disk. Fails with {@link ModelNotFoundException} carrying the reason when none loads.
     */
    private CompletableFuture<Loaded> loadActiveByDefault(Entry e) {
        OptionalLong active = e.view.active;
        if (active.isEmpty()) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        long version = active.getAsLong();
        return ensureLoaded(e, version).handle((loaded, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(loaded);
            }
            Long lower;
            synchronized (e) {
                if (e.explicit || !e.view.active.equals(active)) {
                    return loadActiveByDefault(e); // someone changed the active version meanwhile
                }
                lower = e.onDisk.lowerKey(version);
                e.view = e.view.withActive(lower == null ? OptionalLong.empty() : OptionalLong.of(lower),
                        lower != null);
            }
            if (lower != null) {
                LOG.warn("model {}: version {} failed to load; falling back to version {}", e.name, version, lower);
                return loadActiveByDefault(e);
            }
            return CompletableFuture.<Loaded>failedFuture(new ModelNotFoundException(
                    ModelNotFoundException.MESSAGE + ": no version of '" + e.name + "' could be loaded ("
                            + unwrap(failure).getMessage() + ")"));
        }).thenCompose(f -> f);
    }

    /** Loads a version unless it is loaded or loading; every caller shares the one load. */
    private CompletableFuture<Loaded> ensureLoaded(Entry e, long version) {
        ModelPackage pkg = e.onDisk.get(version);
        if (pkg == null) {
            return CompletableFuture.failedFuture(new ModelNotFoundException(
                    ModelNotFoundException.MESSAGE + ": model '" + e.name + "' has no version " + version
                            + " in the repository"));
        }
        CompletableFuture<Loaded> f;
        synchronized (e) {
            Loaded l = e.view.loaded.get(version);
            if (l != null) {
                return CompletableFuture.completedFuture(l);
            }
            f = e.loading.get(version);
            if (f != null) {
                return f;
            }
            f = new CompletableFuture<>();
            e.loading.put(version, f);
        }
        CompletableFuture<Loaded> result = f;
        loadExecutor.execute(() -> load(e, pkg, result));
        return result;
    }

    private void load(Entry e, ModelPackage pkg, CompletableFuture<Loaded> result) {
        long version = pkg.version();
        LOG.info("loading model {} version {} from {}", e.name, version, pkg.directory());
        Loaded loaded = null;
        try {
            Model model = loader.load(pkg.directory(), pkg.config());
            loaded = new Loaded(pkg, model, batchers.apply(pkg, model), RequestValidator.of(pkg.config()));
        } catch (RuntimeException | LinkageError failure) {
            ModelLoadException error = failure instanceof ModelLoadException m ? m
                    : new ModelLoadException(pkg.directory() + ": " + failure, failure);
            synchronized (e) {
                e.loading.remove(version);
                e.failures.put(version, error.getMessage());
            }
            LOG.error("model {} version {} failed to load: {}", e.name, version, error.getMessage());
            result.completeExceptionally(error);
            return;
        }
        synchronized (e) {
            e.loading.remove(version);
            e.failures.remove(version);
            e.view = e.view.withLoaded(version, loaded);
        }
        metrics.setLoaded(e.name, version, true);
        LOG.info("loaded model {} version {}", e.name, version);
        result.complete(loaded);
    }

    /**
     * Loads {@code version} if needed and makes it active once loaded, recording the change in the state store.
     * Requests already accepted by the previous active version finish there. When the store refuses the change
     * (unreachable), a version this call loaded is unloaded again before the call fails, so that this replica
     * does not keep a version the others do not have.
     */
    public CompletableFuture<Void> load(String name, long version) {
        Entry e = entries.get(name);
        if (e == null) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        boolean wasThere;
        synchronized (e) {
            wasThere = e.view.loaded.containsKey(version) || e.loading.containsKey(version);
        }
        return ensureLoaded(e, version).thenCompose(loaded -> {
            long before = appliedRevision(e);
            DesiredState recorded;
            try {
                recorded = store.update(name, s -> s.withLoadedActive(version));
            } catch (RuntimeException refused) {
                CompletableFuture<Void> undo = wasThere ? CompletableFuture.completedFuture(null)
                        : unloadLocally(e, version);
                return undo.thenCompose(ignored -> CompletableFuture.<Void>failedFuture(refused));
            }
            if (claim(e, before, recorded.revision())) {
                activate(e, version);
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    /** The revision of the desired state applied here last. */
    private static long appliedRevision(Entry e) {
        synchronized (e) {
            return e.appliedRevision;
        }
    }

    /**
     * Records that this call's own change ({@code revision}) is applied here, unless a reconcile applied a newer
     * change since the call began ({@code before}): then another replica's later admin call overtook this one,
     * and the older change must not win. A store whose revisions went backwards (Redis lost its data) is not
     * mistaken for that: only a change applied during this call counts.
     */
    private static boolean claim(Entry e, long before, long revision) {
        synchronized (e) {
            if (e.appliedRevision != before && revision < e.appliedRevision) {
                LOG.info("model {}: a newer desired state (revision {}) overtook this change (revision {})",
                        e.name, e.appliedRevision, revision);
                return false;
            }
            e.appliedRevision = revision;
            return true;
        }
    }

    private static void activate(Entry e, long version) {
        synchronized (e) {
            if (!e.view.loaded.containsKey(version) || e.view.active.equals(OptionalLong.of(version))) {
                return; // an unload raced us, or nothing to change
            }
            e.explicit = true;
            e.view = e.view.withActive(OptionalLong.of(version), true);
        }
        LOG.info("model {}: version {} is active", e.name, version);
    }

    /** Stops routing to {@code version}, lets its accepted requests finish, then frees it. */
    public CompletableFuture<Void> unload(String name, long version) {
        Entry e = entries.get(name);
        if (e == null || !e.view.loaded.containsKey(version)) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        try {
            long before = appliedRevision(e);
            claim(e, before, store.update(name, s -> s.withUnloaded(version)).revision());
        } catch (InfernoException failure) {
            return CompletableFuture.failedFuture(failure);
        }
        return unloadLocally(e, version);
    }

    /**
     * Unloads a version here. When a concurrent unload (an admin call racing a reconcile) already took it out of
     * routing, returns that unload's release instead, or success once it is done: the goal is reached either way.
     */
    private CompletableFuture<Void> unloadLocally(Entry e, long version) {
        Loaded l;
        CompletableFuture<Void> released;
        synchronized (e) {
            l = e.view.loaded.get(version);
            if (l == null) {
                CompletableFuture<Void> pending = e.releasing.get(version);
                return pending != null ? pending : CompletableFuture.completedFuture(null);
            }
            e.view = e.view.without(version);
            if (e.view.active.isEmpty()) {
                e.explicit = true;
            }
            released = new CompletableFuture<>();
            e.releasing.put(version, released);
        }
        metrics.setLoaded(e.name, version, false);
        LOG.info("unloading model {} version {}; active now {}", e.name, version, e.view.active);
        release(l).whenComplete((ok, failure) -> {
            synchronized (e) {
                e.releasing.remove(version, released);
            }
            released.complete(null);
        });
        return released;
    }

    /**
     * Makes this process match a desired state recorded elsewhere (another replica's admin call), without writing
     * to the store: loads the versions that should be loaded, activates the desired version once it serves, and
     * unloads the versions that should not be loaded. Versions not on disk here are skipped with a warning; a
     * version that fails to load is recorded as failed and the previous active version keeps serving.
     */
    public CompletableFuture<Void> reconcile(String name, DesiredState desired) {
        Entry e = entries.get(name);
        if (e == null) {
            LOG.warn("desired state names model {}, which this repository does not have", name);
            return CompletableFuture.completedFuture(null);
        }
        long before = appliedRevision(e);
        List<CompletableFuture<?>> loads = new ArrayList<>();
        for (long v : desired.loaded()) {
            if (!e.onDisk.containsKey(v)) {
                LOG.warn("desired state wants {} version {}, which is not on disk here", name, v);
                continue;
            }
            if (!e.view.loaded.containsKey(v)) {
                loads.add(ensureLoaded(e, v).exceptionally(failure -> null));
            }
        }
        return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
            if (!claim(e, before, desired.revision())) {
                return CompletableFuture.completedFuture(null); // a newer change was applied while this one loaded
            }
            if (desired.active().isPresent()) {
                activate(e, desired.active().getAsLong());
            }
            List<CompletableFuture<Void>> unloads = new ArrayList<>();
            for (long v : new ArrayList<>(e.view.loaded.keySet())) {
                if (!desired.loaded().contains(v)) {
                    unloads.add(unloadLocally(e, v).exceptionally(failure -> null));
                }
            }
            return CompletableFuture.allOf(unloads.toArray(CompletableFuture[]::new));
        });
    }

    /** The models this registry serves, sorted. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** The versions loaded now, per model: what a replica reports in its heartbeat. */
    public Map<String, List<Long>> loadedVersions() {
        Map<String, List<Long>> out = new TreeMap<>();
        entries.forEach((name, e) -> out.put(name, List.copyOf(new TreeSet<>(e.view.loaded.keySet()))));
        return out;
    }

    private static CompletableFuture<Void> release(Loaded l) {
        return l.batcher().drain().thenRun(() -> {
            try {
                l.model().close();
            } catch (Exception failure) {
                LOG.warn("model {} version {} failed to close cleanly", l.name(), l.version(), failure);
            }
        });
    }

    /**
     * Loads the default active version of every model that no operator or desired state has configured yet;
     * completes when each has loaded or failed.
     */
    public CompletableFuture<Void> preload() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (Entry e : entries.values()) {
            boolean configured;
            synchronized (e) {
                configured = e.explicit || !e.view.loaded.isEmpty() || !e.loading.isEmpty();
            }
            if (!configured) {
                all.add(loadActiveByDefault(e).exceptionally(failure -> null));
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Every model known, with the packages that failed to parse, sorted by name. */
    public List<ModelStatus> list() {
        TreeMap<String, ModelStatus> out = new TreeMap<>();
        for (Entry e : entries.values()) {
            out.put(e.name, status(e));
        }
        for (FailedPackage f : scanFailures) {
            ModelStatus s = out.get(f.model());
            List<ModelStatus.Failure> failures = new ArrayList<>(s == null ? List.of() : s.failures());
            failures.add(new ModelStatus.Failure(f.version(), f.reason()));
            out.put(f.model(), s == null
                    ? new ModelStatus(f.model(), OptionalLong.empty(), List.of(), List.of(), failures)
                    : new ModelStatus(s.name(), s.active(), s.loaded(), s.onDisk(), failures));
        }
        return List.copyOf(out.values());
    }

    /** One model's status; fails with {@link ModelNotFoundException} for an unknown model. */
    public ModelStatus status(String name) {
        return list().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(ModelNotFoundException::new);
    }

    private static ModelStatus status(Entry e) {
        View v = e.view;
        List<ModelStatus.Failure> failures = new ArrayList<>();
        synchronized (e) {
            e.failures.forEach((version, reason) ->
                    failures.add(new ModelStatus.Failure(OptionalLong.of(version), reason)));
        }
        return new ModelStatus(e.name, v.active, new ArrayList<>(new TreeSet<>(v.loaded.keySet())),
                new ArrayList<>(e.onDisk.keySet()), failures);
    }

    /** The package of a model version on disk. */
    public ModelPackage onDisk(String name, long version) {
        Entry e = entries.get(name);
        ModelPackage p = e == null ? null : e.onDisk.get(version);
        if (p == null) {
            throw new ModelNotFoundException();
        }
        return p;
    }

    /** Drains and frees every loaded version; the returned future completes when all are freed. */
    public CompletableFuture<Void> drainAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Entry e : entries.values()) {
            Map<Long, Loaded> loaded;
            synchronized (e) {
                loaded = e.view.loaded;
                e.view = new View(e.view.active, Map.of(), false);
            }
            loaded.forEach((version, l) -> {
                metrics.setLoaded(e.name, version, false);
                all.add(release(l));
            });
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        drainAll().join();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
