package io.inferno.internal;

import io.inferno.OverloadedException;

/**
 * What a {@link Batcher} reports as it works, for metrics. Called outside the batcher's lock; implementations must
 * be fast and must not throw (an exception is logged and ignored). The queue depth is not reported here: it is read
 * from {@link Batcher#queueDepth()} when metrics are collected.
 */
public interface BatcherListener {
    BatcherListener NONE = new BatcherListener() {};

    /** A request was refused admission. */
    default void rejected(OverloadedException.Reason reason) {}

    /** A queued request's deadline passed before it ran. */
    default void expired() {}

    /** A batch started: its request count, row count, and how long each request waited in the queue. */
    default void batchStarted(int requests, long rows, long[] queueNanos) {}

    /**
     * A batch finished: how long the model ran, and whether it succeeded. A batch that failed and was searched for
     * the requests that failed it finishes after its last re-run; {@code computeNanos} is its first run's.
     */
    default void batchFinished(long computeNanos, boolean succeeded) {}

    /**
     * Part of a failed batch was run again, to find the requests that failed it (not reported as a batch started or
     * finished): its request count, row count, and whether it succeeded.
     */
    default void batchRerun(int requests, long rows, boolean succeeded) {}

    /** A request of a failed batch failed again on its own: it is answered with its own failure. */
    default void failureIsolated() {}
}
