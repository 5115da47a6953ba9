package io.inferno.model;

/**
 * Batching and queueing settings of one model version (model.yaml {@code batching}).
 *
 * @param maxBatchSize rows per batch at most; 1 turns batching off
 * @param maxBatchLatencyMs how long the oldest queued request may wait for a batch to fill
 * @param maxQueueSize requests waiting at most; beyond it a request is rejected as overloaded
 * @param timeoutMs default deadline of a request's wait in the queue, unless the request sets its own
 */
public record BatchingConfig(int maxBatchSize, long maxBatchLatencyMs, int maxQueueSize, long timeoutMs) {
    public static final int DEFAULT_MAX_BATCH_SIZE = 32;
    public static final long DEFAULT_MAX_BATCH_LATENCY_MS = 5;
    public static final int DEFAULT_MAX_QUEUE_SIZE = 256;
    public static final long DEFAULT_TIMEOUT_MS = 10_000;

    public static final BatchingConfig DEFAULTS = new BatchingConfig(
            DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_BATCH_LATENCY_MS, DEFAULT_MAX_QUEUE_SIZE, DEFAULT_TIMEOUT_MS);

    /** Settings of a model that cannot batch: one request per execution, same queue and deadline defaults. */
    public static final BatchingConfig UNBATCHED = DEFAULTS.withMaxBatchSize(1).withMaxBatchLatencyMs(0);

    public BatchingConfig {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max_batch_size must be 1 or more, got " + maxBatchSize);
        }
        if (maxBatchLatencyMs < 0) {
            throw new IllegalArgumentException("max_batch_latency_ms must be 0 or more, got " + maxBatchLatencyMs);
        }
        if (maxQueueSize < 1) {
            throw new IllegalArgumentException("max_queue_size must be 1 or more, got " + maxQueueSize);
        }
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("timeout_ms must be 1 or more, got " + timeoutMs);
        }
    }

    /** True when batches may hold more than one row. */
    public boolean enabled() {
        return maxBatchSize > 1;
    }

    public BatchingConfig withMaxBatchSize(int v) {
        return new BatchingConfig(v, maxBatchLatencyMs, maxQueueSize, timeoutMs);
    }

    public BatchingConfig withMaxBatchLatencyMs(long v) {
        return new BatchingConfig(maxBatchSize, v, maxQueueSize, timeoutMs);
    }

    public BatchingConfig withMaxQueueSize(int v) {
        return new BatchingConfig(maxBatchSize, maxBatchLatencyMs, v, timeoutMs);
    }

    public BatchingConfig withTimeoutMs(long v) {
        return new BatchingConfig(maxBatchSize, maxBatchLatencyMs, maxQueueSize, v);
    }
}
