package io.inferno.testing;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** An executor that only queues tasks; the test runs them one by one on its own thread. */
public final class ManualExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>(); // guarded by this

    @Override
    public synchronized void execute(Runnable command) {
        tasks.addLast(command);
    }

    /** Tasks queued and not yet run. */
    public synchronized int queued() {
        return tasks.size();
    }

    /** Runs the oldest queued task. */
    public void runNext() {
        Runnable r;
        synchronized (this) {
            r = tasks.pollFirst();
        }
        if (r == null) {
            throw new IllegalStateException("no task queued");
        }
        r.run();
    }

    /** Runs tasks until none is queued, including those queued meanwhile. */
    public void runAll() {
        while (queued() > 0) {
            runNext();
        }
    }
}
