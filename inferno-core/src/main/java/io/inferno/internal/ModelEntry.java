package io.inferno.internal;

import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.ModelStatus;
import io.inferno.OverloadedException;
import io.inferno.repository.FailedPackage;
import io.inferno.repository.ModelPackage;
import io.inferno.state.DesiredState;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model: its versions on disk, the versions loaded, the active one, and every transition between those states.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Default mode.</b> Until an operator or the desired state decides, the active version is the highest
 *       version on disk, loaded at start (preload) or on first use. When it fails to load, the next lower version
 *       is tried, until one loads or none is left; each failure is listed.
 *   <li><b>Decided.</b> Once a desired state is applied ({@link #apply}: an admin load or unload here, or another
 *       replica's change), the entry follows it: its active version becomes active as soon as it is loaded here,
 *       every other version it lists stays loaded, and loaded versions it does not list are unloaded. A desired
 *       active version that cannot be loaded here leaves the current active version serving.
 *   <li><b>Unload</b> stops routing at once, lets accepted requests finish, then frees the model. Unloading the
 *       active version makes the highest remaining loaded version active, or none; nothing reloads behind the
 *       operator's back.
 *   <li><b>Disk.</b> A rescan ({@link #rescanned}) changes what can be loaded, never what is loaded: a loaded
 *       version keeps the package it was loaded from, even when its folder changes or disappears.
 * </ul>
 *
 * <h2>Concurrency</h2>
 * The {@link View} (active version, loaded versions) is immutable and published through a volatile field: predict
 * reads it without locking. Every transition runs under this entry's monitor, decides, publishes a new view, and
 * returns; the work it implies (starting a load on the executor, draining a batcher, closing a model, logging) runs
 * after the monitor is released. Concurrent loads of one version share one future, so a version is loaded once.
 *
 * <p>Stale desired states lose: {@link #apply} checks a revision and changes the view in one step, so a sweep that
 * read the store before an admin change cannot undo it once the admin change is applied.
 */
final class ModelEntry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelEntry.class);

    /** What predict reads: immutable. {@code autoLoad}: the active version may be loaded on first use. */
    record View(OptionalLong active, Map<Long, LoadedVersion> loaded, boolean autoLoad) {
        static final View CLOSED = new View(OptionalLong.empty(), Map.of(), false);

        View withLoaded(long version, LoadedVersion l) {
            Map<Long, LoadedVersion> m = new HashMap<>(loaded);
            m.put(version, l);
            return new View(active, Collections.unmodifiableMap(m), autoLoad);
        }

        /**
         * Without {@code version}; when it was active, the highest remaining loaded version is active (in default
         * mode, the default active version stays, to be loaded again on first use).
         */
        View without(long version, boolean stayDefault) {
            Map<Long, LoadedVersion> m = new HashMap<>(loaded);
            m.remove(version);
            OptionalLong a = active;
            if (a.isPresent() && a.getAsLong() == version && !stayDefault) {
                a = highest(m);
            }
            return new View(a, Collections.unmodifiableMap(m), stayDefault);
        }

        static OptionalLong highest(Map<Long, ?> versions) {
            return versions.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Collections.max(versions.keySet()));
        }
    }

    /** What applying a desired state did. */
    record Applied(boolean stale, List<CompletableFuture<Void>> releases) {
        static final Applied STALE = new Applied(true, List.of());
    }

    private final String name;
    private final VersionLoader versions;
    private final Executor loadExecutor;
    private volatile View view;

    // guarded by this:
    private NavigableMap<Long, ModelPackage> onDisk;
    private List<FailedPackage> scanFailures;
    private final Map<Long, String> loadFailures = new TreeMap<>();
    private final Map<Long, CompletableFuture<LoadedVersion>> loading = new HashMap<>();
    private final Map<Long, CompletableFuture<Void>> releasing = new HashMap<>();
    private final Map<Long, Integer> pinned = new HashMap<>(); // versions an admin load in flight protects
    private boolean decided; // an operator or the desired state chose; no default behaviour any more
    private long appliedRevision; // the newest desired-state revision applied here
    private boolean closed;

    ModelEntry(String name, List<ModelPackage> packages, List<FailedPackage> failures, VersionLoader versions,
            Executor loadExecutor) {
        this.name = Objects.requireNonNull(name, "name");
        this.versions = Objects.requireNonNull(versions, "versions");
        this.loadExecutor = Objects.requireNonNull(loadExecutor, "loadExecutor");
        this.onDisk = byVersion(packages);
        this.scanFailures = List.copyOf(failures);
        this.view = new View(defaultActive(onDisk), Map.of(), true);
    }

    String name() {
        return name;
    }

    View view() {
        return view;
    }

    private static NavigableMap<Long, ModelPackage> byVersion(List<ModelPackage> packages) {
        TreeMap<Long, ModelPackage> m = new TreeMap<>();
        packages.forEach(p -> m.put(p.version(), p));
        return Collections.unmodifiableNavigableMap(m);
    }

    private static OptionalLong defaultActive(NavigableMap<Long, ModelPackage> onDisk) {
        return onDisk.isEmpty() ? OptionalLong.empty() : OptionalLong.of(onDisk.lastKey());
    }

    // ---- serving

    /** The loaded version answering {@code version} (or the active one) right now; null when not loaded. */
    LoadedVersion resolveNow(OptionalLong version) {
        View v = view;
        OptionalLong want = version.isPresent() ? version : v.active;
        return want.isPresent() ? v.loaded.get(want.getAsLong()) : null;
    }

    /**
     * The loaded version answering a request, loading the default active version first on first use. Fails with
     * {@link ModelNotFoundException} for versions that are not loaded.
     */
    CompletableFuture<LoadedVersion> resolve(OptionalLong version) {
        LoadedVersion now = resolveNow(version);
        if (now != null) {
            return CompletableFuture.completedFuture(now);
        }
        View v = view;
        boolean defaultWanted = v.autoLoad && v.active.isPresent()
                && (version.isEmpty() || version.equals(v.active));
        return defaultWanted ? loadDefault() : CompletableFuture.failedFuture(new ModelNotFoundException());
    }

    /**
     * Loads the default active version; when it fails and nobody chose meanwhile, falls back to the next lower
     * version on disk. Fails with {@link ModelNotFoundException} carrying the reason when none loads.
     */
    CompletableFuture<LoadedVersion> loadDefault() {
        OptionalLong active = view.active;
        if (active.isEmpty()) {
            return CompletableFuture.failedFuture(new ModelNotFoundException());
        }
        long version = active.getAsLong();
        return ensureLoaded(version).handle((loaded, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(loaded);
            }
            OptionalLong lower = OptionalLong.empty();
            synchronized (this) {
                if (closed || !(unwrap(failure) instanceof ModelLoadException)) { // not the package's fault
                    return CompletableFuture.<LoadedVersion>failedFuture(unwrap(failure));
                }
                if (!decided && view.active.equals(active)) {
                    Long l = onDisk.lowerKey(version);
                    lower = l == null ? OptionalLong.empty() : OptionalLong.of(l);
                    view = new View(lower, view.loaded, lower.isPresent());
                }
            }
            if (lower.isPresent()) {
                LOG.warn("model {}: version {} failed to load; falling back to version {}", name, version,
                        lower.getAsLong());
                return loadDefault();
            }
            LoadedVersion now = resolveNow(OptionalLong.empty()); // somebody chose meanwhile
            return now != null ? CompletableFuture.completedFuture(now)
                    : CompletableFuture.<LoadedVersion>failedFuture(new ModelNotFoundException(
                            ModelNotFoundException.MESSAGE + ": no version of '" + name + "' could be loaded ("
                                    + unwrap(failure).getMessage() + ")"));
        }).thenCompose(Function.identity());
    }

    /**
     * Loads a version unless it is loaded or loading; every caller shares the one load. Fails with
     * {@link ModelNotFoundException} when the version is not on disk, {@link ModelLoadException} when its package is
     * invalid or the runtime refuses it.
     */
    CompletableFuture<LoadedVersion> ensureLoaded(long version) {
        ModelPackage pkg;
        CompletableFuture<LoadedVersion> f;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(shuttingDown());
            }
            LoadedVersion l = view.loaded.get(version);
            if (l != null) {
                return CompletableFuture.completedFuture(l);
            }
            f = loading.get(version);
            if (f != null) {
                return f;
            }
            pkg = onDisk.get(version);
            if (pkg == null) {
                return CompletableFuture.failedFuture(notOnDisk(version));
            }
            f = new CompletableFuture<>();
            loading.put(version, f);
        }
        CompletableFuture<LoadedVersion> result = f;
        try {
            loadExecutor.execute(() -> loadNow(pkg, result));
        } catch (RejectedExecutionException refused) {
            synchronized (this) {
                loading.remove(version, result);
            }
            OverloadedException busy = new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN, "model "
                    + pkg.config().id() + " could not start loading: the load executor refused the task; retry");
            busy.initCause(refused);
            result.completeExceptionally(busy);
        }
        return result;
    }

    // guarded by this
    private RuntimeException notOnDisk(long version) {
        for (FailedPackage f : scanFailures) {
            if (f.version().equals(OptionalLong.of(version))) {
                return new ModelLoadException(f.path() + ": " + f.reason());
            }
        }
        return new ModelNotFoundException(ModelNotFoundException.MESSAGE + ": model '" + name + "' has no version "
                + version + " in the repository");
    }

    /** Runs on the load executor. */
    private void loadNow(ModelPackage pkg, CompletableFuture<LoadedVersion> result) {
        long version = pkg.version();
        LOG.info("loading model {} version {} from {}", name, version, pkg.directory());
        LoadedVersion loaded;
        try {
            loaded = versions.load(pkg);
        } catch (RuntimeException | Error failure) {
            ModelLoadException error = failure instanceof ModelLoadException m ? m
                    : new ModelLoadException(pkg.directory() + ": " + failure, failure);
            synchronized (this) {
                loading.remove(version, result);
                loadFailures.put(version, error.getMessage());
            }
            LOG.error("model {} version {} failed to load: {}", name, version, error.getMessage());
            result.completeExceptionally(error);
            if (failure instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            return;
        }
        boolean late;
        synchronized (this) {
            loading.remove(version, result);
            late = closed;
            if (!late) {
                loadFailures.remove(version);
                view = view.withLoaded(version, loaded);
            }
        }
        if (late) {
            LOG.info("model {} version {} finished loading after shutdown began; freeing it", name, version);
            versions.release(loaded).whenComplete((ok, x) -> result.completeExceptionally(shuttingDown()));
            return;
        }
        LOG.info("loaded model {} version {}", name, version);
        result.complete(loaded);
    }

    // ---- the desired state

    /** The revision of the desired state applied here last. */
    synchronized long appliedRevision() {
        return appliedRevision;
    }

    /**
     * The state this entry is in when no desired state was ever recorded: what a first admin change starts from,
     * so that a hot swap keeps the versions loaded by default.
     */
    DesiredState currentState() {
        View v = view;
        return new DesiredState(v.active.isPresent() && v.loaded.containsKey(v.active.getAsLong())
                ? v.active : OptionalLong.empty(), new TreeSet<>(v.loaded.keySet()), 0);
    }

    /** Protects a version from being unloaded by {@link #apply} while an admin load of it is in flight. */
    synchronized void pin(long version) {
        pinned.merge(version, 1, Integer::sum);
    }

    synchronized void unpin(long version) {
        pinned.computeIfPresent(version, (v, n) -> n == 1 ? null : n - 1);
    }

    /**
     * Applies a desired state, in one step: unless it is stale, records its revision, makes its active version
     * active (when loaded here), and takes the loaded versions it does not list out of routing (their release
     * runs after the monitor is released; the returned futures complete when each is freed).
     *
     * <p>A desired state is stale when a newer one was applied here since {@code before} (the revision this
     * entry had applied when the caller read the store). A store whose revisions went backwards (Redis lost its
     * data) is not mistaken for that: only a change applied during the caller's read counts.
     */
    Applied apply(DesiredState desired, long before) {
        List<LoadedVersion> retired = new ArrayList<>();
        List<CompletableFuture<Void>> releases = new ArrayList<>();
        OptionalLong activeNow = OptionalLong.empty();
        boolean stale;
        long applied;
        synchronized (this) {
            if (closed) {
                return Applied.STALE;
            }
            applied = appliedRevision;
            stale = appliedRevision != before && desired.revision() < appliedRevision;
            if (!stale) {
                appliedRevision = desired.revision();
                decided = true;
                View v = view;
                OptionalLong active = v.active;
                if (desired.active().isEmpty() || v.loaded.containsKey(desired.active().getAsLong())) {
                    active = desired.active();
                } // else the desired active version is not loaded here (failed, not on disk): the current one serves
                Map<Long, LoadedVersion> keep = new HashMap<>();
                for (Map.Entry<Long, LoadedVersion> e : v.loaded.entrySet()) {
                    long version = e.getKey();
                    if (desired.loaded().contains(version) || pinned.containsKey(version)
                            || active.equals(OptionalLong.of(version))) {
                        keep.put(version, e.getValue());
                    } else {
                        retired.add(e.getValue());
                        CompletableFuture<Void> released = new CompletableFuture<>();
                        releasing.put(version, released);
                        releases.add(released);
                    }
                }
                if (active.isPresent() && !keep.containsKey(active.getAsLong())) {
                    active = View.highest(keep);
                }
                view = new View(active, Collections.unmodifiableMap(keep), false);
                activeNow = active;
            }
        }
        if (stale) {
            LOG.info("model {}: desired state revision {} is older than the applied revision {}; ignored", name,
                    desired.revision(), applied);
            return Applied.STALE;
        }
        if (desired.active().isPresent() && !activeNow.equals(desired.active())) {
            LOG.warn("model {}: desired version {} is not loaded here; version {} stays active", name,
                    desired.active(), activeNow);
        }
        for (int i = 0; i < retired.size(); i++) {
            release(retired.get(i), releases.get(i));
        }
        return new Applied(false, releases);
    }

    /**
     * Unloads a version here. When a concurrent unload already took it out of routing, returns that unload's
     * release; when it is not loaded, completes at once: the goal is reached either way.
     */
    CompletableFuture<Void> unload(long version) {
        return unload(version, true);
    }

    /**
     * Undoes a load whose change the store refused: unloads the version without leaving default mode, so a model
     * that loads on first use still does.
     */
    CompletableFuture<Void> undoLoad(long version) {
        return unload(version, false);
    }

    private CompletableFuture<Void> unload(long version, boolean decide) {
        LoadedVersion l;
        CompletableFuture<Void> released;
        OptionalLong activeNow;
        synchronized (this) {
            l = view.loaded.get(version);
            if (l == null) {
                CompletableFuture<Void> pending = releasing.get(version);
                return pending != null ? pending : CompletableFuture.completedFuture(null);
            }
            decided |= decide;
            view = view.without(version, !decided && !closed);
            activeNow = view.active;
            released = new CompletableFuture<>();
            releasing.put(version, released);
        }
        LOG.info("unloading model {} version {}; active now {}", name, version, activeNow);
        release(l, released);
        return released;
    }

    private void release(LoadedVersion l, CompletableFuture<Void> released) {
        versions.release(l).whenComplete((ok, failure) -> {
            synchronized (this) {
                releasing.remove(l.version(), released);
            }
            released.complete(null);
        });
    }

    /** Whether a version is loaded, or being loaded, here. */
    synchronized boolean hasOrLoads(long version) {
        return view.loaded.containsKey(version) || loading.containsKey(version);
    }

    /** Whether nothing decided this entry's state yet and nothing is loaded or loading: preload's candidates. */
    synchronized boolean untouched() {
        return !decided && !closed && view.loaded.isEmpty() && loading.isEmpty();
    }

    // ---- disk

    /**
     * Takes what a rescan found for this model. Loaded versions are untouched. An entry nobody has decided on and
     * that has nothing loaded takes the highest version on disk as its default active version.
     */
    void rescanned(List<ModelPackage> packages, List<FailedPackage> failures) {
        synchronized (this) {
            onDisk = byVersion(packages);
            scanFailures = List.copyOf(failures);
            loadFailures.keySet().removeIf(v -> !onDisk.containsKey(v));
            if (!decided && !closed && view.loaded.isEmpty() && loading.isEmpty()) {
                view = new View(defaultActive(onDisk), view.loaded, true);
            }
        }
    }

    /** Whether a version is on disk (valid) now. */
    synchronized boolean onDisk(long version) {
        return onDisk.containsKey(version);
    }

    /** Whether this entry holds nothing at all: no package, failure, loaded or loading version. */
    synchronized boolean empty() {
        return onDisk.isEmpty() && scanFailures.isEmpty() && view.loaded.isEmpty() && loading.isEmpty()
                && releasing.isEmpty();
    }

    // ---- reporting

    ModelStatus status() {
        View v = view;
        List<ModelStatus.Failure> failures = new ArrayList<>();
        List<Long> disk;
        synchronized (this) {
            loadFailures.forEach((version, reason) ->
                    failures.add(new ModelStatus.Failure(OptionalLong.of(version), reason)));
            scanFailures.forEach(f -> failures.add(new ModelStatus.Failure(f.version(), f.reason())));
            disk = new ArrayList<>(onDisk.keySet());
        }
        return new ModelStatus(name, v.active, new ArrayList<>(new TreeSet<>(v.loaded.keySet())), disk, failures);
    }

    List<Long> loadedVersions() {
        return List.copyOf(new TreeSet<>(view.loaded.keySet()));
    }

    // ---- shutdown

    /**
     * Refuses further loads, takes every version out of routing and frees it; a load still running is freed when
     * it finishes. The returned future completes when everything this entry held is freed.
     */
    CompletableFuture<Void> close() {
        Map<Long, LoadedVersion> loaded;
        List<CompletableFuture<?>> pending = new ArrayList<>();
        synchronized (this) {
            closed = true;
            loaded = view.loaded;
            view = View.CLOSED;
            loading.values().forEach(f -> pending.add(f.handle((l, x) -> null)));
            pending.addAll(releasing.values());
        }
        loaded.forEach((version, l) -> {
            CompletableFuture<Void> released = new CompletableFuture<>();
            synchronized (this) {
                releasing.put(version, released);
            }
            release(l, released);
            pending.add(released);
        });
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
    }

    private OverloadedException shuttingDown() {
        return new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                "model " + name + " is shutting down");
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
