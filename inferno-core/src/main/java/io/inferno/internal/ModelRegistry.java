package io.inferno.internal;

import io.inferno.ModelNotFoundException;
import io.inferno.ModelStatus;
import io.inferno.repository.FailedPackage;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one repository, each a {@link ModelEntry}, found by scanning the repository at start and again
 * whenever asked: before an admin load (so a version copied in after start can be loaded), when a desired state
 * names a version not seen yet, and by the optional periodic poll. A rescan changes what can be loaded, never what
 * is loaded (see {@link ModelEntry#rescanned}).
 *
 * <p>Lookups ({@link #entry}, {@link #resolveNow}) read a concurrent map without locking. Scans are serialised by
 * one lock, which only scanning threads take: reading model.yaml files under it never delays a request.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final Path root;
    private final RepositoryScanner scanner;
    private final VersionLoader versions;
    private final Executor loadExecutor;
    private final ConcurrentSkipListMap<String, ModelEntry> entries = new ConcurrentSkipListMap<>();
    private final Object scanLock = new Object();
    private volatile boolean closed; // written under scanLock

    /**
     * Scans the repository and creates an entry per model found (valid or failed).
     *
     * @throws IllegalArgumentException when the repository is not a directory
     */
    public ModelRegistry(Path root, RepositoryScanner scanner, VersionLoader versions, Executor loadExecutor) {
        this.root = Objects.requireNonNull(root, "root");
        this.scanner = Objects.requireNonNull(scanner, "scanner");
        this.versions = Objects.requireNonNull(versions, "versions");
        this.loadExecutor = Objects.requireNonNull(loadExecutor, "loadExecutor");
        rescanAll();
    }

    // ---- scanning

    /** Rescans the whole repository: new models and versions become loadable, failures are listed anew. */
    public void rescanAll() {
        synchronized (scanLock) {
            if (closed) {
                return;
            }
            RepositorySnapshot snapshot = scanner.scan(root);
            TreeSet<String> names = new TreeSet<>(snapshot.models().keySet());
            snapshot.failures().forEach(f -> names.add(f.model()));
            names.addAll(entries.keySet());
            for (String name : names) {
                take(name, snapshot);
            }
        }
    }

    /**
     * Rescans one model's folder (which may have appeared after start) and returns its entry, or null when the
     * repository holds no such model.
     */
    ModelEntry rescan(String name) {
        synchronized (scanLock) {
            if (closed) {
                return entries.get(name);
            }
            RepositorySnapshot snapshot;
            try {
                snapshot = scanner.scanModel(root, name);
            } catch (IllegalArgumentException notAModelName) {
                return null;
            }
            return take(name, snapshot);
        }
    }

    // guarded by scanLock
    private ModelEntry take(String name, RepositorySnapshot snapshot) {
        List<ModelPackage> packages = snapshot.versions(name);
        List<FailedPackage> failures = snapshot.failures().stream().filter(f -> f.model().equals(name)).toList();
        ModelEntry e = entries.get(name);
        if (e == null) {
            if (packages.isEmpty() && failures.isEmpty()) {
                return null;
            }
            e = new ModelEntry(name, packages, failures, versions, loadExecutor);
            entries.put(name, e);
            return e;
        }
        e.rescanned(packages, failures);
        if (e.empty()) {
            entries.remove(name, e); // its folder is gone and nothing of it is loaded
            LOG.info("model {} is no longer in the repository", name);
            return null;
        }
        return e;
    }

    // ---- lookups

    /** The entry of a model known now, or null. */
    ModelEntry entry(String name) {
        return entries.get(name);
    }

    /** Whether the repository has this model (valid, failed or still loaded). */
    public boolean knows(String name) {
        return entries.containsKey(name);
    }

    /** The loaded version answering a request right now, without waiting; null when that needs a load or fails. */
    public LoadedVersion resolveNow(String name, OptionalLong version) {
        ModelEntry e = entries.get(name);
        return e == null ? null : e.resolveNow(version);
    }

    /**
     * The loaded version answering a request, loading the default active version first on first use. Fails with
     * {@link ModelNotFoundException} for unknown models and for versions that are not loaded.
     */
    public CompletableFuture<LoadedVersion> resolve(String name, OptionalLong version) {
        ModelEntry e = entries.get(name);
        return e == null ? CompletableFuture.failedFuture(new ModelNotFoundException()) : e.resolve(version);
    }

    /**
     * Loads the default active version of every model that nothing has decided on yet; completes when each has
     * loaded or failed.
     */
    public CompletableFuture<Void> preload() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (ModelEntry e : entries.values()) {
            if (e.untouched()) {
                all.add(e.loadDefault().exceptionally(failure -> null));
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    // ---- reporting

    /** Every model known, with its failures, sorted by name. */
    public List<ModelStatus> list() {
        return entries.values().stream().map(ModelEntry::status).toList();
    }

    /** One model's status; fails with {@link ModelNotFoundException} for an unknown model. */
    public ModelStatus status(String name) {
        ModelEntry e = entries.get(name);
        if (e == null) {
            throw new ModelNotFoundException();
        }
        return e.status();
    }

    /** The versions loaded now, per model: what a replica reports in its heartbeat. Never blocks. */
    public Map<String, List<Long>> loadedVersions() {
        Map<String, List<Long>> out = new TreeMap<>();
        entries.forEach((name, e) -> out.put(name, e.loadedVersions()));
        return out;
    }

    /** The desired-state revision each model has applied, read before the store in a sweep. */
    Map<String, Long> appliedRevisions() {
        Map<String, Long> out = new HashMap<>();
        entries.forEach((name, e) -> out.put(name, e.appliedRevision()));
        return out;
    }

    // ---- shutdown

    /**
     * Refuses further loads and scans, and frees every version (native memory included), loads still running
     * included once they finish. The future completes when everything is freed.
     */
    public CompletableFuture<Void> drainAll() {
        synchronized (scanLock) {
            closed = true;
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        entries.values().forEach(e -> all.add(e.close()));
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        drainAll().join();
    }
}
