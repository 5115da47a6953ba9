package io.inferno.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Exposition;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The queue-depth gauge is read from the batchers at each scrape, and disappears with its version; the batchers'
 * counters sum the versions of a model.
 */
class EngineMetricsTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final EngineMetrics metrics = new EngineMetrics(registry, EngineMetrics.DEFAULT_LATENCY_BUCKETS);

    private String scrape() {
        return Exposition.text(registry);
    }

    @Test
    void theQueueDepthIsReadFromTheWatchedQueueAtEachScrape() {
        AtomicInteger depth = new AtomicInteger(3);
        metrics.watchQueue("m", 2, depth::get);
        assertThat(scrape()).contains("infer_queue_depth{model=\"m\",version=\"2\"} 3.0");
        depth.set(0);
        assertThat(scrape()).contains("infer_queue_depth{model=\"m\",version=\"2\"} 0.0");
    }

    @Test
    void reRunsOfFailedBatchesAndTheRequestsTheyIsolateAreCountedPerModel() {
        BatcherListener version1 = metrics.listener("m", 1);
        BatcherListener version2 = metrics.listener("m", 2);
        version1.batchRerun(4, 4, true);
        version1.batchRerun(4, 5, false);
        version2.batchRerun(1, 1, false);
        version2.failureIsolated();
        assertThat(scrape()).contains("infer_batch_retries_total{model=\"m\"} 3.0",
                "infer_isolated_failures_total{model=\"m\"} 1.0");
    }

    @Test
    void anUnloadedVersionLeavesTheQueueDepthGauge() {
        metrics.watchQueue("m", 1, () -> 5);
        metrics.watchQueue("m", 2, () -> 7);
        metrics.setLoaded("m", 1, true);
        metrics.setLoaded("m", 1, false);
        assertThat(scrape()).doesNotContain("infer_queue_depth{model=\"m\",version=\"1\"}")
                .contains("infer_queue_depth{model=\"m\",version=\"2\"} 7.0");
        metrics.unwatchQueue("m", 2);
        assertThat(scrape()).doesNotContain("infer_queue_depth{model=");
    }
}
