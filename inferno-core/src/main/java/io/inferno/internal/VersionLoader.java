package io.inferno.internal;

import io.inferno.ModelLoadException;
import io.inferno.model.ModelConfig;
import io.inferno.repository.ModelPackage;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.time.Scheduler;
import io.inferno.time.Ticker;
import io.inferno.validation.RequestValidator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a package into a serving {@link LoadedVersion} (the runtime's model, checked against its signature, with
 * its batcher and validator) and frees one again. Loading blocks: the registry calls it on its load executor.
 * Nothing built here leaks: when a step after the runtime's load fails, the model is closed before the failure
 * is reported.
 */
public final class VersionLoader {
    private static final Logger LOG = LoggerFactory.getLogger(VersionLoader.class);

    private final ModelLoader loader;
    private final BiFunction<ModelPackage, Model, Batcher> batchers;
    private final EngineMetrics metrics;

    /**
     * @param loader loads and checks a model with the runtime of its format
     * @param batchers builds the batcher of a loaded model
     * @param metrics where {@code model_loaded} is kept
     */
    public VersionLoader(ModelLoader loader, BiFunction<ModelPackage, Model, Batcher> batchers,
            EngineMetrics metrics) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.batchers = Objects.requireNonNull(batchers, "batchers");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * A loader whose batchers follow each package's batching settings and report to {@code metrics}.
     *
     * @param ticker the clock of deadlines and batch latency
     * @param scheduler the batchers' timers
     * @param batchExecutor runs batches
     */
    public static VersionLoader of(ModelLoader loader, Ticker ticker, Scheduler scheduler, Executor batchExecutor,
            EngineMetrics metrics) {
        return new VersionLoader(loader, (pkg, model) -> {
            ModelConfig c = pkg.config();
            return new Batcher(c.id(), model, new Batcher.Settings(c.batching().maxBatchSize(),
                    TimeUnit.MILLISECONDS.toNanos(c.batching().maxBatchLatencyMs()), c.batching().maxQueueSize(),
                    c.maxConcurrency(), true, true), ticker, scheduler, batchExecutor,
                    metrics.listener(c.name(), c.version()));
        }, metrics);
    }

    /**
     * Loads a version; blocks for as long as the runtime takes.
     *
     * @throws ModelLoadException naming the directory and the reason
     */
    LoadedVersion load(ModelPackage pkg) {
        Model model;
        try {
            model = loader.load(pkg.directory(), pkg.config());
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new ModelLoadException(pkg.directory() + ": " + e, e);
        }
        try {
            // with the signature the runtime read, when model.yaml has none
            ModelPackage served = new ModelPackage(ModelLoader.servedConfig(pkg.directory(), pkg.config(), model),
                    pkg.directory());
            LoadedVersion loaded = new LoadedVersion(served, model, batchers.apply(served, model),
                    RequestValidator.of(served.config()));
            // only a version that serves gets series; release() removes them after its drain
            metrics.setLoaded(pkg.name(), pkg.version(), true);
            metrics.watchQueue(pkg.name(), pkg.version(), loaded.batcher()::queueDepth);
            return loaded;
        } catch (RuntimeException | LinkageError e) {
            try {
                model.close();
            } catch (Exception | LinkageError closing) {
                e.addSuppressed(closing);
            }
            throw new ModelLoadException(pkg.directory() + ": " + pkg.config().id()
                    + " loaded but could not be set up to serve: " + e, e);
        }
    }

    /**
     * Frees a version that no longer receives requests: waits for its batcher to answer every accepted request,
     * then closes the model (native memory included) and removes its per-version metrics. Never fails.
     */
    CompletableFuture<Void> release(LoadedVersion l) {
        return l.batcher().drain().handle((ok, failure) -> {
            try {
                l.model().close();
            } catch (Exception | LinkageError e) {
                LOG.warn("model {} version {} failed to close cleanly", l.name(), l.version(), e);
            }
            metrics.setLoaded(l.name(), l.version(), false);
            return null;
        });
    }
}
