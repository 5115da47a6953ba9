package io.inferno.testing;

import io.inferno.time.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler on a {@link FakeTicker}: tasks run only when the test calls {@link #advance}, in due order, on the
 * test's thread.
 */
public final class ManualScheduler implements Scheduler {
    private final FakeTicker ticker;
    private final List<Task> tasks = new ArrayList<>(); // guarded by this
    private long sequence; // guarded by this

    public ManualScheduler(FakeTicker ticker) {
        this.ticker = ticker;
    }

    private static final class Task {
        final long due;
        final long order;
        final Runnable body;
        volatile boolean cancelled;

        Task(long due, long order, Runnable body) {
            this.due = due;
            this.order = order;
            this.body = body;
        }
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayNanos) {
        Task t = new Task(ticker.read() + Math.max(0, delayNanos), sequence++, task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    /** Advances the clock, running every task that comes due on the way, at its due time. */
    public void advance(long amount, TimeUnit unit) {
        long target = ticker.read() + unit.toNanos(amount);
        while (true) {
            Task next = nextDue(target);
            if (next == null) {
                break;
            }
            long step = next.due - ticker.read();
            if (step > 0) {
                ticker.advance(step, TimeUnit.NANOSECONDS);
            }
            next.body.run();
        }
        long rest = target - ticker.read();
        if (rest > 0) {
            ticker.advance(rest, TimeUnit.NANOSECONDS);
        }
    }

    /** Runs the tasks due now. */
    public void runDue() {
        advance(0, TimeUnit.NANOSECONDS);
    }

    /** Live (not cancelled, not run) tasks. */
    public synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    private synchronized Task nextDue(long target) {
        Task best = null;
        for (Task t : tasks) {
            if (!t.cancelled && t.due <= target
                    && (best == null || t.due < best.due || (t.due == best.due && t.order < best.order))) {
                best = t;
            }
        }
        if (best != null) {
            tasks.remove(best);
        }
        tasks.removeIf(t -> t.cancelled);
        return best;
    }
}
