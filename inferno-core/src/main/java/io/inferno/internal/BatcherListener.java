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

    /** A batch finished: how long the model ran, and whether it succeeded. */
    default void batchFinished(long computeNanos, boolean succeeded) {}
}
