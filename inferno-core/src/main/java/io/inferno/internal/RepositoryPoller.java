package io.inferno.internal;

import io.inferno.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rescans the whole repository every interval, so that the listing shows new packages and new failures without an
 * admin call. It never loads or unloads anything (see {@link ModelRegistry#rescanAll}). The next scan is scheduled
 * when one ends, so scans never overlap; they run on the executor, never on the timer thread.
 */
public final class RepositoryPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryPoller.class);

    private final ModelRegistry registry;
    private final Scheduler scheduler;
    private final Executor executor;
    private final long intervalNanos;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile Scheduler.Cancellable timer;

    public RepositoryPoller(ModelRegistry registry, Scheduler scheduler, Executor executor, Duration interval) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.executor = Objects.requireNonNull(executor, "executor");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, got " + interval);
        }
        this.intervalNanos = interval.toNanos();
    }

    public void start() {
        schedule();
    }

    private void schedule() {
        if (!stopped.get()) {
            timer = scheduler.schedule(() -> {
                try {
                    executor.execute(this::scan);
                } catch (RejectedExecutionException shuttingDown) {
                    // closing: no more scans
                }
            }, intervalNanos);
        }
    }

    private void scan() {
        try {
            registry.rescanAll();
        } catch (RuntimeException e) {
            LOG.warn("repository rescan failed: {}", e.toString());
        } finally {
            schedule();
        }
    }

    @Override
    public void close() {
        if (stopped.compareAndSet(false, true)) {
            Scheduler.Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }
    }
}
