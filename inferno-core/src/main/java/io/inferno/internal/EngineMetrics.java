package io.inferno.internal;

import io.inferno.OverloadedException;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.IntSupplier;

/**
 * The engine's Prometheus metrics, registered in an injected registry.
 *
 * <ul>
 *   <li>{@code infer_latency_seconds{model}}: predict latency, admission to answer (configurable buckets);
 *   <li>{@code infer_queue_seconds{model}} and {@code infer_compute_seconds{model}}: the split of that time between
 *       waiting in the batcher's queue and running the model (per batch);
 *   <li>{@code infer_batch_size{model}}: rows per executed batch;
 *   <li>{@code infer_queue_depth{model,version}}: requests waiting, read from each watched batcher when the
 *       registry is scraped (so it is never stale);
 *   <li>{@code infer_rejections_total{model,reason}}: requests refused or dropped: {@code overloaded} (queue full),
 *       {@code shutting_down}, {@code timed_out} (deadline passed in the queue);
 *   <li>{@code infer_exceptions_total{model,exception}}: failed predictions by exception kind;
 *   <li>{@code infer_batch_retries_total{model}}: parts of failed batches run again to find the requests that fail
 *       them, and {@code infer_isolated_failures_total{model}}: requests found that way, failed alone (see
 *       {@link Bisection});
 *   <li>{@code model_loaded{model,version}}: 1 while a version is loaded.
 * </ul>
 */
public final class EngineMetrics {
    /** Default latency buckets, in seconds. */
    public static final double[] DEFAULT_LATENCY_BUCKETS = {0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28};

    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

    private final Histogram latency;
    private final Histogram queue;
    private final Histogram compute;
    private final Histogram batchSize;
    // the batchers' depths by (model, version), read at every scrape; the map makes watch/unwatch thread-safe
    private final ConcurrentMap<QueueId, IntSupplier> queueDepths = new ConcurrentHashMap<>();
    private final Counter rejections;
    private final Counter exceptions;
    private final Counter retries;
    private final Counter isolated;
    private final Gauge loaded;

    public EngineMetrics(PrometheusRegistry registry, double[] latencyBuckets) {
        latency = histogram(registry, "infer_latency_seconds",
                "Predict latency from admission to answer, in seconds", latencyBuckets);
        queue = histogram(registry, "infer_queue_seconds",
                "Time a request waited in the batcher's queue before its batch started, in seconds", latencyBuckets);
        compute = histogram(registry, "infer_compute_seconds",
                "Time the model took to run one batch, in seconds", latencyBuckets);
        batchSize = histogram(registry, "infer_batch_size", "Rows per executed batch", BATCH_BUCKETS);
        GaugeWithCallback.builder().name("infer_queue_depth")
                .help("Requests waiting in a model version's queue")
                .labelNames("model", "version")
                .callback(callback -> queueDepths.forEach(
                        (id, depth) -> callback.call(depth.getAsInt(), id.model(), id.version())))
                .register(registry);
        rejections = Counter.builder().name("infer_rejections_total")
                .help("Requests refused (overloaded, shutting_down) or dropped from the queue (timed_out)")
                .labelNames("model", "reason").register(registry);
        exceptions = Counter.builder().name("infer_exceptions_total")
                .help("Failed predictions by exception kind")
                .labelNames("model", "exception").register(registry);
        retries = Counter.builder().name("infer_batch_retries_total")
                .help("Parts of failed batches run again to find the requests that fail them")
                .labelNames("model").register(registry);
        isolated = Counter.builder().name("infer_isolated_failures_total")
                .help("Requests of failed batches that failed again on their own, and alone")
                .labelNames("model").register(registry);
        loaded = Gauge.builder().name("model_loaded")
                .help("1 while a model version is loaded")
                .labelNames("model", "version").register(registry);
    }

    private static Histogram histogram(PrometheusRegistry registry, String name, String help, double[] bounds) {
        return Histogram.builder().name(name).help(help).labelNames("model").classicOnly()
                .classicUpperBounds(bounds).register(registry);
    }

    public void observeLatency(String model, long nanos) {
        latency.labelValues(model).observe(nanos / 1e9);
    }

    public void countException(String model, Throwable e) {
        exceptions.labelValues(model, e.getClass().getSimpleName()).inc();
    }

    void rejected(String model, String reason) {
        rejections.labelValues(model, reason).inc();
    }

    void setLoaded(String model, long version, boolean isLoaded) {
        if (isLoaded) {
            loaded.labelValues(model, Long.toString(version)).set(1);
        } else {
            loaded.remove(model, Long.toString(version));
            unwatchQueue(model, version);
        }
    }

    /**
     * Publishes a model version's queue depth as {@code infer_queue_depth}: {@code depth} is read at every scrape
     * (from the scraping thread; it must be fast and thread-safe), until {@link #unwatchQueue}. Watching the same
     * version again replaces the supplier.
     */
    public void watchQueue(String model, long version, IntSupplier depth) {
        queueDepths.put(new QueueId(model, Long.toString(version)), Objects.requireNonNull(depth, "depth"));
    }

    /** Stops publishing a model version's queue depth; its series disappears from the next scrape. */
    public void unwatchQueue(String model, long version) {
        queueDepths.remove(new QueueId(model, Long.toString(version)));
    }

    private record QueueId(String model, String version) {}

    /** The batcher listener of one model version. */
    public BatcherListener listener(String model, long version) {
        DistributionDataPoint queueTimes = queue.labelValues(model);
        DistributionDataPoint computeTimes = compute.labelValues(model);
        DistributionDataPoint sizes = batchSize.labelValues(model);
        CounterDataPoint rerun = retries.labelValues(model);
        CounterDataPoint alone = isolated.labelValues(model);
        return new BatcherListener() {
            @Override
            public void rejected(OverloadedException.Reason reason) {
                EngineMetrics.this.rejected(model, reason == OverloadedException.Reason.QUEUE_FULL
                        ? "overloaded" : reason.name().toLowerCase(Locale.ROOT));
            }

            @Override
            public void expired() {
                EngineMetrics.this.rejected(model, "timed_out");
            }

            @Override
            public void batchStarted(int requests, long rows, long[] queueNanos) {
                sizes.observe(rows);
                for (long q : queueNanos) {
                    queueTimes.observe(q / 1e9);
                }
            }

            @Override
            public void batchFinished(long computeNanos, boolean succeeded) {
                computeTimes.observe(computeNanos / 1e9);
            }

            @Override
            public void batchRerun(int requests, long rows, boolean succeeded) {
                rerun.inc();
            }

            @Override
            public void failureIsolated() {
                alone.inc();
            }
        };
    }
}
