package io.inferno.time;

/**
 * Runs a task after a delay: the batcher's timers (batch latency, request deadlines) go through it, so tests drive
 * them with a fake clock.
 */
@FunctionalInterface
public interface Scheduler {

    /** A scheduled task that can be cancelled; cancelling one that already ran or was cancelled does nothing. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /**
     * Runs {@code task} once, no earlier than {@code delayNanos} from now, on a thread of the scheduler's own: never
     * inside this call, even for a delay of zero or less (callers such as the batcher schedule while holding a
     * lock). Tasks must be short and not block.
     */
    Cancellable schedule(Runnable task, long delayNanos);
}
