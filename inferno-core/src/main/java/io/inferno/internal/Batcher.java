package io.inferno.internal;

import io.inferno.DeadlineExceededException;
import io.inferno.ModelExecutionException;
import io.inferno.OverloadedException;
import io.inferno.runtime.Model;
import io.inferno.tensor.Tensor;
import io.inferno.time.Scheduler;
import io.inferno.time.Ticker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dynamic batcher of one loaded model version: it queues requests, groups those that can share a batch, and
 * runs batches on an executor, at most {@code maxConcurrency} at a time.
 *
 * <h2>Algorithm</h2>
 * Requests carry their own rows along dimension 0 and a <em>batch key</em> (dtypes and non-batch dimensions of
 * every input): only requests with equal keys are concatenated, so each key has its own FIFO group. Groups are
 * kept in the order their oldest request arrived. Whenever something changes (a request arrives, a batch finishes,
 * a timer fires, an arrival is announced or ends), {@link #pump} dispatches batches while an execution slot is free,
 * choosing the group by this rule:
 * <ol>
 *   <li>a group holding {@code maxBatchSize} rows or more is <b>full</b>: dispatch it;
 *   <li>the oldest group whose head has waited {@code maxBatchLatency} is <b>due</b>: dispatch it;
 *   <li>otherwise, when <b>no request is arriving</b>, dispatch the oldest group at once: waiting could not make
 *       the batch any bigger. A request is <em>arriving</em> between {@link #announce()} and its submission: the
 *       HTTP server announces a request before decoding its body, so a batch waits (up to
 *       {@code maxBatchLatency}) only for requests that are already on their way.
 * </ol>
 * When every slot is busy nothing is dispatched: requests accumulate, and the next free slot takes a fuller batch.
 * A batch takes requests from the head of its group while their rows fit in {@code maxBatchSize}, so order is
 * kept within a key. This is Triton's dynamic batcher (size and queue-delay triggers) made work-conserving, in the
 * spirit of BentoML's adaptive dispatcher: at one caller there is no added latency, under load batches fill.
 *
 * <h2>Deadlines and admission</h2>
 * The queue holds at most {@code maxQueueSize} requests; one more is refused at once with
 * {@link OverloadedException}. Each request has an absolute deadline: a timer fails it with
 * {@link DeadlineExceededException} when the deadline passes while it is still queued, and a request found
 * overdue (or cancelled by its caller) when a batch forms is dropped, so an expired request never runs.
 *
 * <h2>Concurrency</h2>
 * One lock guards all mutable state; it is never held while running the model, completing a caller's future,
 * calling the listener, or handing work to the executor. Timers and the executor are injected, with the clock, so
 * tests drive every path deterministically. An exception from the model fails only its batch's requests.
 */
public final class Batcher {
    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    /**
     * Limits of one batcher.
     *
     * @param maxBatchSize rows per batch at most (1: every request runs alone, inputs and outputs untouched)
     * @param maxBatchLatencyNanos how long the oldest request may wait for its batch to fill
     * @param maxQueueSize requests queued at most
     * @param maxConcurrency batches running at once at most
     */
    public record Settings(int maxBatchSize, long maxBatchLatencyNanos, int maxQueueSize, int maxConcurrency) {
        public Settings {
            if (maxBatchSize < 1 || maxBatchLatencyNanos < 0 || maxQueueSize < 1 || maxConcurrency < 1) {
                throw new IllegalArgumentException("invalid batcher settings " + this);
            }
        }
    }

    private final String modelId;
    private final Model model;
    private final Settings settings;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Executor executor;
    private final BatcherListener listener;

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock: groups by key, in the order of their oldest request
    private final LinkedHashMap<Object, Group> groups = new LinkedHashMap<>();
    private int queued; // guarded by lock: live requests in groups
    private int running; // guarded by lock: batches handed to the executor and not finished
    private int arriving; // guarded by lock: announced requests not yet submitted
    private boolean closed; // guarded by lock
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    public Batcher(String modelId, Model model, Settings settings, Ticker ticker, Scheduler scheduler,
            Executor executor, BatcherListener listener) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.model = Objects.requireNonNull(model, "model");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public Settings settings() {
        return settings;
    }

    /** A request on its way; {@link Arrival#close} it whether or not it was submitted. */
    public final class Arrival implements AutoCloseable {
        private boolean open = true; // guarded by lock

        private Arrival() {}

        @Override
        public void close() {
            List<Runnable> after;
            lock.lock();
            try {
                if (!open) {
                    return;
                }
                open = false;
                arriving--;
                after = pump();
            } finally {
                lock.unlock();
            }
            runAll(after);
        }
    }

    /**
     * Announces a request that will be submitted soon (its body is being decoded), so that a forming batch waits
     * for it, within {@code maxBatchLatency}. Close the returned arrival once the request is submitted or
     * abandoned.
     */
    public Arrival announce() {
        lock.lock();
        try {
            arriving++;
            return new Arrival();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a request.
     *
     * @param inputs validated inputs, in signature order
     * @param key the request's batch key: requests with equal keys may share a batch
     * @param rows the request's rows along dimension 0 (1 for models that do not batch)
     * @param outputs the output names to return
     * @param deadlineNanos the {@link Ticker} time after which the request must not start
     * @return the selected outputs, or an exception: {@link OverloadedException} (refused),
     *     {@link DeadlineExceededException}, {@link ModelExecutionException}
     */
    public CompletableFuture<Map<String, Tensor>> submit(Map<String, Tensor> inputs, Object key, long rows,
            List<String> outputs, long deadlineNanos) {
        Pending p = new Pending(inputs, key, rows, outputs, deadlineNanos);
        List<Runnable> after;
        OverloadedException refused = null;
        lock.lock();
        try {
            if (closed) {
                refused = new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                        "model " + modelId + " is shutting down or being unloaded; retry");
            } else if (queued >= settings.maxQueueSize) {
                refused = new OverloadedException(OverloadedException.Reason.QUEUE_FULL,
                        "model " + modelId + " queue is full (" + settings.maxQueueSize + " requests); retry later");
            }
            if (refused != null) {
                after = List.of();
            } else {
                p.enqueuedNanos = ticker.read();
                Group g = groups.get(key);
                if (g == null) {
                    g = new Group(key);
                    groups.put(key, g);
                }
                g.add(p);
                queued++;
                int depth = queued;
                long delay = deadlineNanos - p.enqueuedNanos;
                p.deadlineTimer = scheduler.schedule(() -> expire(p), delay);
                after = pump();
                after = prepend(after, () -> listener.queueDepth(depth));
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            OverloadedException.Reason reason = refused.reason();
            notifyListener(() -> listener.rejected(reason));
            p.future.completeExceptionally(refused);
        } else {
            runAll(after);
        }
        return p.future;
    }

    /** Requests waiting to run. */
    public int queueDepth() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops admitting new requests; the returned future completes once every accepted request has been answered
     * and no batch is running. The model is not closed here: its owner closes it after the drain.
     */
    public CompletableFuture<Void> drain() {
        List<Runnable> after;
        lock.lock();
        try {
            closed = true;
            after = pump();
            checkDrained(after);
        } finally {
            lock.unlock();
        }
        runAll(after);
        return drained;
    }

    // guarded by lock: once closed and empty, completes the drain (after unlocking, with the other work)
    private void checkDrained(List<Runnable> after) {
        if (closed && queued == 0 && running == 0) {
            after.add(() -> drained.complete(null));
        }
    }

    /** Deadline timer: fails the request if it is still queued. */
    private void expire(Pending p) {
        List<Runnable> after;
        lock.lock();
        try {
            if (p.state != State.QUEUED) {
                return;
            }
            after = new ArrayList<>();
            dropQueued(p, after);
            after.addAll(pump());
            checkDrained(after);
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    // guarded by lock: removes a queued request that will not run, and records how to tell its caller
    private void dropQueued(Pending p, List<Runnable> after) {
        p.state = State.DONE;
        p.group.remove(p);
        queued--;
        if (p.group.live == 0 && groups.get(p.group.key) == p.group) {
            groups.remove(p.group.key);
            p.group.cancelTimer();
        }
        int depth = queued;
        after.add(() -> listener.queueDepth(depth));
        if (!p.future.isDone()) {
            long waitedMs = (ticker.read() - p.enqueuedNanos) / 1_000_000;
            after.add(() -> listener.expired());
            after.add(() -> p.future.completeExceptionally(new DeadlineExceededException(
                    "request to " + modelId + " timed out after waiting " + waitedMs + " ms in the queue")));
        }
    }

    /** Latency timer of a group: its oldest request is due. */
    private void groupDue() {
        List<Runnable> after;
        lock.lock();
        try {
            after = pump();
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    /**
     * Dispatches every batch the rule allows now. Guarded by lock; returns the work to do after unlocking
     * (handing batches to the executor, notifying callers and the listener).
     */
    private List<Runnable> pump() {
        List<Runnable> after = new ArrayList<>();
        long now = ticker.read();
        while (running < settings.maxConcurrency && queued > 0) {
            Group g = chooseGroup(now);
            if (g == null) {
                break;
            }
            Batch batch = takeBatch(g, now, after);
            if (batch == null) {
                continue; // every candidate had expired or was cancelled; look again
            }
            running++;
            after.add(() -> start(batch));
        }
        // groups still waiting need a latency timer so that rule 2 fires without another event
        for (Group g : groups.values()) {
            g.ensureTimer(now);
        }
        return after;
    }

    // guarded by lock
    private Group chooseGroup(long now) {
        Group oldest = null;
        for (Group g : groups.values()) {
            if (g.rows >= settings.maxBatchSize) {
                return g;
            }
            if (oldest == null) {
                oldest = g;
            }
        }
        if (oldest == null) {
            return null;
        }
        boolean due = now - oldest.headEnqueuedNanos() >= settings.maxBatchLatencyNanos;
        return due || arriving == 0 || closed ? oldest : null;
    }

    // guarded by lock
    private Batch takeBatch(Group g, long now, List<Runnable> after) {
        List<Pending> members = new ArrayList<>();
        long rows = 0;
        Iterator<Pending> it = g.queue.iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (p.state != State.QUEUED) {
                it.remove();
                continue;
            }
            if (p.future.isDone() || now >= p.deadlineNanos) {
                dropQueued(p, after); // cancelled by the caller, or overdue: never runs
                continue;
            }
            if (!members.isEmpty() && rows + p.rows > settings.maxBatchSize) {
                break;
            }
            it.remove();
            p.state = State.RUNNING;
            p.deadlineTimer.cancel();
            g.live--;
            g.rows -= p.rows;
            queued--;
            members.add(p);
            rows += p.rows;
            if (rows >= settings.maxBatchSize) {
                break;
            }
        }
        if (g.live == 0 && groups.get(g.key) == g) {
            groups.remove(g.key);
            g.cancelTimer();
        } else {
            g.restartTimer(); // a new head: its own latency clock
        }
        if (members.isEmpty()) {
            return null;
        }
        int depth = queued;
        after.add(() -> listener.queueDepth(depth));
        return new Batch(members, rows, now);
    }

    /** Runs on the executor. */
    private void run(Batch batch) {
        long[] waits = new long[batch.members.size()];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = batch.startedNanos - batch.members.get(i).enqueuedNanos;
        }
        notifyListener(() -> listener.batchStarted(batch.members.size(), batch.rows, waits));
        long t0 = ticker.read();
        boolean ok = false;
        List<Map<String, Tensor>> results = null;
        RuntimeException failure = null;
        try {
            Map<String, Tensor> outputs = model.predict(batch.inputs());
            results = batch.split(outputs);
            ok = true;
        } catch (ModelExecutionException e) {
            failure = e;
        } catch (Exception | LinkageError e) {
            String message = e.getMessage() == null || e.getMessage().isBlank()
                    ? e.getClass().getName() : e.getMessage();
            failure = new ModelExecutionException("model " + modelId + " failed: " + message, e);
        } catch (Error e) {
            // OutOfMemoryError and the like: answer the callers, then let the executor see it
            failure = new ModelExecutionException("model " + modelId + " failed: " + e, e);
            finish(batch, null, failure, ticker.read() - t0, false);
            throw e;
        }
        finish(batch, results, failure, ticker.read() - t0, ok);
    }

    private void start(Batch batch) {
        try {
            executor.execute(() -> run(batch));
        } catch (RejectedExecutionException e) {
            finish(batch, null, new ModelExecutionException("model " + modelId
                    + " could not start a batch: the executor refused it", e), 0, false);
        }
    }

    private void finish(Batch batch, List<Map<String, Tensor>> results, RuntimeException failure, long computeNanos,
            boolean ok) {
        List<Runnable> after;
        List<Runnable> drainedNow = new ArrayList<>(1);
        lock.lock();
        try {
            running--;
            after = pump();
            checkDrained(drainedNow);
        } finally {
            lock.unlock();
        }
        // Start the next batch before answering this one: completing the callers' futures runs their
        // continuations on this thread, and the model should not wait for that.
        runAll(after);
        notifyListener(() -> listener.batchFinished(computeNanos, ok));
        for (int i = 0; i < batch.members.size(); i++) {
            Pending p = batch.members.get(i);
            if (results != null) {
                p.future.complete(results.get(i));
            } else {
                p.future.completeExceptionally(failure);
            }
        }
        // Only now is every accepted request answered: a drain waiting on this may close the server.
        runAll(drainedNow);
    }

    private void runAll(List<Runnable> tasks) {
        for (Runnable r : tasks) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("batcher callback failed for {}", modelId, e);
            }
        }
    }

    private void notifyListener(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("batcher listener failed for {}", modelId, e);
        }
    }

    private static List<Runnable> prepend(List<Runnable> list, Runnable first) {
        List<Runnable> out = new ArrayList<>(list.size() + 1);
        out.add(first);
        out.addAll(list);
        return out;
    }

    private enum State {
        QUEUED,
        RUNNING,
        DONE
    }

    private static final class Pending {
        final Map<String, Tensor> inputs;
        final Object key;
        final long rows;
        final List<String> outputs;
        final long deadlineNanos;
        final CompletableFuture<Map<String, Tensor>> future = new CompletableFuture<>();
        long enqueuedNanos; // guarded by lock
        State state = State.QUEUED; // guarded by lock
        Group group; // guarded by lock
        Scheduler.Cancellable deadlineTimer; // guarded by lock

        Pending(Map<String, Tensor> inputs, Object key, long rows, List<String> outputs, long deadlineNanos) {
            this.inputs = inputs;
            this.key = key;
            this.rows = rows;
            this.outputs = outputs;
            this.deadlineNanos = deadlineNanos;
        }
    }

    /** The queued requests of one batch key, oldest first. All fields guarded by the batcher's lock. */
    private final class Group {
        final Object key;
        final ArrayDeque<Pending> queue = new ArrayDeque<>();
        int live;
        long rows;
        Scheduler.Cancellable timer;
        long timerHeadNanos = Long.MIN_VALUE;

        Group(Object key) {
            this.key = key;
        }

        void add(Pending p) {
            p.group = this;
            queue.addLast(p);
            live++;
            rows += p.rows;
        }

        /** Takes a queued request out of the accounting; it stays in the deque until a batch skips it. */
        void remove(Pending p) {
            live--;
            rows -= p.rows;
        }

        long headEnqueuedNanos() {
            for (Pending p : queue) {
                if (p.state == State.QUEUED) {
                    return p.enqueuedNanos;
                }
            }
            throw new IllegalStateException("empty group");
        }

        /** Arms the latency timer for the current head, if not armed for it already. */
        void ensureTimer(long now) {
            long head = headEnqueuedNanos();
            if (timer != null && timerHeadNanos == head) {
                return;
            }
            cancelTimer();
            timerHeadNanos = head;
            timer = scheduler.schedule(Batcher.this::groupDue, head + settings.maxBatchLatencyNanos - now);
        }

        void restartTimer() {
            cancelTimer();
        }

        void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }
    }

    /** Requests dispatched together. */
    private static final class Batch {
        final List<Pending> members;
        final long rows;
        final long startedNanos;

        Batch(List<Pending> members, long rows, long startedNanos) {
            this.members = members;
            this.rows = rows;
            this.startedNanos = startedNanos;
        }

        /** The model's inputs: a lone request's own tensors, or every member's rows concatenated in order. */
        Map<String, Tensor> inputs() {
            if (members.size() == 1) {
                return members.get(0).inputs;
            }
            Map<String, Tensor> joined = new LinkedHashMap<>();
            for (String name : members.get(0).inputs.keySet()) {
                List<Tensor> parts = new ArrayList<>(members.size());
                for (Pending p : members) {
                    parts.add(p.inputs.get(name));
                }
                joined.put(name, Tensor.concatRows(parts));
            }
            return joined;
        }

        /** Each member's selected outputs: row slices of the batch's outputs, sharing their bytes. */
        List<Map<String, Tensor>> split(Map<String, Tensor> outputs) {
            if (outputs == null) {
                throw new ModelExecutionException("the model returned no outputs (null)", null);
            }
            List<Map<String, Tensor>> results = new ArrayList<>(members.size());
            long offset = 0;
            for (Pending p : members) {
                Map<String, Tensor> mine = new LinkedHashMap<>(p.outputs.size() * 2);
                for (String name : p.outputs) {
                    Tensor t = outputs.get(name);
                    if (t == null) {
                        throw new ModelExecutionException("the model did not return output '" + name + "'", null);
                    }
                    if (members.size() == 1) {
                        mine.put(name, t);
                        continue;
                    }
                    if (t.shape().rank() == 0 || t.rows() != rows) {
                        throw new ModelExecutionException("the model returned output '" + name + "' with shape "
                                + t.shape() + " for a batch of " + rows + " rows", null);
                    }
                    mine.put(name, t.sliceRows(offset, offset + p.rows));
                }
                results.add(mine);
                offset += p.rows;
            }
            return results;
        }
    }
}
