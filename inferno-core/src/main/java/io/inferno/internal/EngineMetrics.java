package io.inferno.internal;

import io.inferno.OverloadedException;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * The engine's Prometheus metrics, registered in an injected registry.
 *
 * <ul>
 *   <li>{@code infer_latency_seconds{model}}: predict latency, admission to answer (configurable buckets);
 *   <li>{@code infer_queue_seconds{model}} and {@code infer_compute_seconds{model}}: the split of that time between
 *       waiting in the batcher's queue and running the model (per batch);
 *   <li>{@code infer_batch_size{model}}: rows per executed batch;
 *   <li>{@code infer_queue_depth{model,version}}: requests waiting;
 *   <li>{@code infer_rejections_total{model,reason}}: requests refused or dropped: {@code overloaded} (queue full),
 *       {@code shutting_down}, {@code timed_out} (deadline passed in the queue);
 *   <li>{@code infer_exceptions_total{model,exception}}: failed predictions by exception kind;
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
    private final Gauge queueDepth;
    private final Counter rejections;
    private final Counter exceptions;
    private final Gauge loaded;

    public EngineMetrics(PrometheusRegistry registry, double[] latencyBuckets) {
        latency = histogram(registry, "infer_latency_seconds",
                "Predict latency from admission to answer, in seconds", latencyBuckets);
        queue = histogram(registry, "infer_queue_seconds",
                "Time a request waited in the batcher's queue before its batch started, in seconds", latencyBuckets);
        compute = histogram(registry, "infer_compute_seconds",
                "Time the model took to run one batch, in seconds", latencyBuckets);
        batchSize = histogram(registry, "infer_batch_size", "Rows per executed batch", BATCH_BUCKETS);
        queueDepth = Gauge.builder().name("infer_queue_depth")
                .help("Requests waiting in a model version's queue")
                .labelNames("model", "version").register(registry);
        rejections = Counter.builder().name("infer_rejections_total")
                .help("Requests refused (overloaded, shutting_down) or dropped from the queue (timed_out)")
                .labelNames("model", "reason").register(registry);
        exceptions = Counter.builder().name("infer_exceptions_total")
                .help("Failed predictions by exception kind")
                .labelNames("model", "exception").register(registry);
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
            queueDepth.remove(model, Long.toString(version));
        }
    }

    /** The batcher listener of one model version. */
    public BatcherListener listener(String model, long version) {
        String v = Long.toString(version);
        DistributionDataPoint queueTimes = queue.labelValues(model);
        DistributionDataPoint computeTimes = compute.labelValues(model);
        DistributionDataPoint sizes = batchSize.labelValues(model);
        return new BatcherListener() {
            @Override
            public void queueDepth(int depth) {
                queueDepth.labelValues(model, v).set(depth);
            }

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
        };
    }
}
