package io.inferno.internal;

import io.inferno.DeadlineExceededException;
import io.inferno.ModelExecutionException;
import io.inferno.OverloadedException;
import io.inferno.runtime.Model;
import io.inferno.tensor.Tensor;
import io.inferno.time.Scheduler;
import io.inferno.time.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
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
 * every input): only requests with equal keys are concatenated, so each key has its own FIFO group, an intrusive
 * doubly-linked list of its live requests (O(1) to append, to take from the head, and to unlink from anywhere).
 * Whenever something changes (a request arrives, leaves or expires, a batch finishes, the timer fires, an arrival
 * is announced or ends, a drain begins), {@link #pump} asks the {@link DispatchPolicy} what to do, while an execution
 * slot is free. The policy compares the groups' <em>heads</em> (oldest live request):
 * <ol>
 *   <li>the oldest group whose head has waited {@code maxBatchLatency} is <b>due</b>: dispatch it (a due group beats
 *       a younger full one, so a quiet key never starves behind a busy one);
 *   <li>otherwise the oldest group holding {@code maxBatchSize} rows or more is <b>full</b>: dispatch it;
 *   <li>otherwise, when <b>no request is arriving</b> (or the batcher is closing), dispatch the oldest group at
 *       once: waiting could not make the batch any bigger. A request is <em>arriving</em> between
 *       {@link #announce()} and its submission: the HTTP server announces a request before decoding its body, so a
 *       batch waits (up to {@code maxBatchLatency}) only for requests that are already on their way;
 *   <li>otherwise wait: one timer, for the whole batcher, is armed for the oldest head + {@code maxBatchLatency}.
 *       It is re-armed only when that instant changes, cancelled when no slot is free or nothing waits (a finishing
 *       batch pumps again), and forgotten when it fires; a timer that fires after being superseded does nothing.
 * </ol>
 * When every slot is busy nothing is dispatched: requests accumulate, and the next free slot takes a fuller batch.
 * A batch takes requests from the head of its group while their rows fit in {@code maxBatchSize}, so order is
 * kept within a key. This is Triton's dynamic batcher (size and queue-delay triggers) made work-conserving, in the
 * spirit of BentoML's adaptive dispatcher: at one caller there is no added latency, under load batches fill.
 *
 * <h2>The caller's thread</h2>
 * With {@link Settings#callerRunsWhenIdle}, a batch that a caller's own call dispatches ({@link #submit}, or
 * {@link Arrival#close}) runs on that caller's thread, with no hand-off, when the batcher is otherwise idle: it is
 * the only batch that call dispatches, no other batch is running, nothing is left queued, and traffic is light (the
 * last batch to finish carried one request and left nothing queued: under load, a lone caller running at once
 * would make the batches behind it smaller). It takes a slot like
 * any batch, so {@code maxConcurrency} still bounds the runs at once, and a drain waits for it; bisection, metrics
 * and the answers are the same. {@link #submit} then returns a future that is already complete. In every other case
 * (a batch forming, a slot busy, requests queued, a timer or a finishing batch dispatching) the batch goes to the
 * executor, so batches still form under load. A request dispatched by its own submission never arms a deadline
 * timer: its deadline is checked when its batch forms, as for every request.
 *
 * <h2>Deadlines, cancellation and admission</h2>
 * The queue holds at most {@code maxQueueSize} requests; one more is refused at once with
 * {@link OverloadedException}. Each request has an absolute deadline: its own timer fails it with
 * {@link DeadlineExceededException} when the deadline passes while it is still queued. A request that expires, or
 * whose future its caller completes (cancel, {@code orTimeout}, ...), leaves its group at once and drops its inputs,
 * so {@code maxQueueSize} bounds the memory held as well as the count; one found overdue when a batch forms is
 * dropped too, so an expired request never runs. The returned future is the request itself: the batcher answers it
 * through private methods, and its public completion methods withdraw it from the queue.
 *
 * <h2>A poison request fails alone</h2>
 * When the model throws on a batch of several requests, the batcher does not fail them all: a {@link Bisection}
 * splits the batch's requests in halves and runs each half again, recursively, so that a half that succeeds answers
 * its requests and a request that fails alone gets its own failure, not another request's. This runs inline, on the
 * executor thread of the failed batch and holding its slot (so {@code maxConcurrency} still bounds the model runs at
 * once, and a drain waits for it); requests are answered as soon as their part settles. A search makes at most
 * 4⌈log2 n⌉ failed re-runs for a batch of n requests; then the requests not answered yet fail with the failure of
 * the smallest failing part that held them, saying so. A request whose deadline passes during the search, or whose
 * caller completes it, leaves it, and never runs again. Only an exception thrown by the model starts a search:
 * outputs that break the contract (missing, wrong row count) fail the whole batch, as does an {@link Error} or an
 * interrupt. Each re-run and each request failed alone is reported to the listener; a batch that succeeds costs
 * nothing more than before.
 *
 * <h2>Concurrency</h2>
 * One lock guards all mutable state; {@link #queueDepth()} reads it under the lock too, so a metrics scrape sees a
 * value consistent with the queue. Under the lock the batcher only decides and bookkeeps, including arming and
 * cancelling timers on the injected {@link Scheduler} (which must run a task later on its own thread, never inside
 * {@code schedule}, as both of ours do: a timer task takes this lock). The lock is never held while running the
 * model, completing a caller's future, calling the listener, or handing work to the executor: those are collected
 * while locked and run after unlocking. A caller completing its future runs the withdrawal on its own thread. Timers
 * and the executor are injected, with the clock, so tests drive every path deterministically. An exception from the
 * model fails only requests of its batch (those it isolates, see above).
 *
 * <h2>Threads</h2>
 * With {@link Settings#executorThreadContinues} (the engine's setting), a batch dispatched when one finishes on an
 * executor thread runs on that thread once it has answered its own callers: under load the model keeps running on
 * one executor thread that does not sleep between batches, instead of each batch waking another executor thread
 * for the next. Measured, not a detail: right after its thread slept, a libtorch call on the smallest sample model
 * cost 47 µs against 11 µs back to back, and the server did 11 to 15% more rows per second on the classifier at 64
 * connections with this than with a hand-off (three interleaved rounds; 9 to 20% in another run), while the
 * smallest model at 32 connections moved within the noise (docs/performance.md). So a caller's synchronous
 * continuation runs before the next batch starts: keep heavy work off it ({@code thenApplyAsync}), as the HTTP and
 * gRPC servers do. Further batches dispatched at the same moment (with {@code maxConcurrency} above 1) go to the
 * executor before the answers, and so does every batch dispatched when a caller's thread, a timer or a drain
 * finishes or dispatches one, so that a caller's {@code predict} never runs more than its own batch. Without the
 * setting every batch goes to the executor before the finished one is answered. A searched batch answers most of
 * its callers during the search, before it finishes.
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
     * @param callerRunsWhenIdle whether a batch dispatched by a caller of an otherwise idle batcher runs on that
     *     caller's thread (see "The caller's thread" above); false runs every batch on the executor
     * @param executorThreadContinues whether an executor thread that finishes a batch runs the next one itself
     *     once it has answered its callers (see "Threads" above); false hands every batch to the executor before
     *     the finished one is answered
     */
    public record Settings(int maxBatchSize, long maxBatchLatencyNanos, int maxQueueSize, int maxConcurrency,
            boolean callerRunsWhenIdle, boolean executorThreadContinues) {
        public Settings {
            if (maxBatchSize < 1 || maxBatchLatencyNanos < 0 || maxQueueSize < 1 || maxConcurrency < 1) {
                throw new IllegalArgumentException("invalid batcher settings " + this);
            }
        }

        /** Limits of a batcher that hands every batch to its executor. */
        public Settings(int maxBatchSize, long maxBatchLatencyNanos, int maxQueueSize, int maxConcurrency) {
            this(maxBatchSize, maxBatchLatencyNanos, maxQueueSize, maxConcurrency, false, false);
        }

        /** Limits of a batcher whose executor threads hand every batch they dispatch to the executor. */
        public Settings(int maxBatchSize, long maxBatchLatencyNanos, int maxQueueSize, int maxConcurrency,
                boolean callerRunsWhenIdle) {
            this(maxBatchSize, maxBatchLatencyNanos, maxQueueSize, maxConcurrency, callerRunsWhenIdle, false);
        }
    }

    private final String modelId;
    private final Model model;
    private final Settings settings;
    private final DispatchPolicy policy;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Executor executor;
    private final BatcherListener listener;

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock: the groups, in the order they were created (the policy's tie-break), and by key
    private final List<Group> groups = new ArrayList<>();
    private final HashMap<Object, Group> groupsByKey = new HashMap<>();
    private int queued; // guarded by lock: live requests in groups
    private int running; // guarded by lock: batches handed to the executor and not finished
    /**
     * Guarded by lock: whether traffic is light, that is, the last batch to finish carried one request and nothing
     * was queued when it finished (true until a batch finishes). Only then may a caller run a batch on its own
     * thread: under load, a caller that found the batcher idle for a moment would run alone at once, and the
     * requests right behind it would form smaller batches than they do when the batch goes to the executor
     * (measured: 4.5 rather than 7.9 rows per batch and a quarter fewer requests per second at 32 connections).
     */
    private boolean lightLoad = true;
    private int arriving; // guarded by lock: announced requests not yet submitted
    private boolean closed; // guarded by lock
    private Scheduler.Cancellable wakeTimer; // guarded by lock: the latency timer, null when none is armed
    private long wakeAtNanos; // guarded by lock: when wakeTimer fires
    private long wakeGeneration; // guarded by lock: identifies the armed timer; a superseded one does nothing
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    public Batcher(String modelId, Model model, Settings settings, Ticker ticker, Scheduler scheduler,
            Executor executor, BatcherListener listener) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.model = Objects.requireNonNull(model, "model");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.policy = new DispatchPolicy(settings.maxBatchSize, settings.maxBatchLatencyNanos);
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

        private Batcher owner() {
            return Batcher.this;
        }

        @Override
        public void close() {
            List<Runnable> after = new ArrayList<>();
            lock.lock();
            try {
                if (!open) {
                    return;
                }
                open = false;
                arriving--;
                pump(after, true);
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
     *     {@link DeadlineExceededException}, {@link ModelExecutionException}. Completing it (for instance
     *     cancelling it) while the request is queued withdraws the request.
     */
    public CompletableFuture<Map<String, Tensor>> submit(Map<String, Tensor> inputs, Object key, long rows,
            List<String> outputs, long deadlineNanos) {
        return enqueue(inputs, key, rows, outputs, deadlineNanos, null);
    }

    /**
     * Queues the request that {@code arrival} announced, closing the arrival in the same step, so that the request
     * is not counted as still on its way when the batcher looks at it (it would otherwise wait for itself, arming a
     * latency timer only to cancel it). An arrival of another batcher, or closed already, is just closed.
     */
    public CompletableFuture<Map<String, Tensor>> submit(Map<String, Tensor> inputs, Object key, long rows,
            List<String> outputs, long deadlineNanos, Arrival arrival) {
        Objects.requireNonNull(arrival, "arrival");
        if (arrival.owner() != this) {
            arrival.close();
            return enqueue(inputs, key, rows, outputs, deadlineNanos, null);
        }
        return enqueue(inputs, key, rows, outputs, deadlineNanos, arrival);
    }

    /** Queues a request; {@code arrival} is its own arrival, of this batcher, or null when it has none. */
    private CompletableFuture<Map<String, Tensor>> enqueue(Map<String, Tensor> inputs, Object key, long rows,
            List<String> outputs, long deadlineNanos, Arrival arrival) {
        Pending p = new Pending(inputs, rows, outputs, deadlineNanos);
        List<Runnable> after = new ArrayList<>();
        OverloadedException refused = null;
        lock.lock();
        try {
            if (closed) {
                refused = new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                        "model " + modelId + " is shutting down or being unloaded; retry");
            } else if (queued >= settings.maxQueueSize) {
                refused = new OverloadedException(OverloadedException.Reason.QUEUE_FULL,
                        "model " + modelId + " queue is full (" + settings.maxQueueSize + " requests); retry later");
            } else {
                if (arrival != null && arrival.open) {
                    arrival.open = false;
                    arriving--;
                }
                p.enqueuedNanos = ticker.read();
                Group g = groupsByKey.get(key);
                if (g == null) {
                    g = new Group(key);
                    groupsByKey.put(key, g);
                    groups.add(g);
                }
                g.append(p);
                p.state = State.QUEUED;
                queued++;
                pump(after, true);
                if (p.state == State.QUEUED) { // a request dispatched at once needs no deadline timer
                    p.deadlineTimer = scheduler.schedule(() -> expire(p), deadlineNanos - p.enqueuedNanos);
                }
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            if (arrival != null) {
                arrival.close(); // refused: it arrives no more
            }
            OverloadedException.Reason reason = refused.reason();
            notifyListener(() -> listener.rejected(reason));
            p.fail(refused);
        } else {
            runAll(after);
        }
        return p;
    }

    /** Requests waiting to run (queued, not expired, not withdrawn). Safe to call from any thread. */
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
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            pump(after, false);
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
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (p.state != State.QUEUED) {
                return;
            }
            drop(p, after);
            pump(after, false);
            checkDrained(after);
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    /** The caller completed a queued request's future (cancelled it, timed it out): it leaves the queue now. */
    private void withdraw(Pending p) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (p.state != State.QUEUED) {
                return;
            }
            unqueue(p);
            pump(after, false);
            checkDrained(after);
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    // guarded by lock: removes a queued request that will not run, and records how to tell its caller
    private void drop(Pending p, List<Runnable> after) {
        unqueue(p);
        if (!p.isDone()) { // else its caller completed it, and a withdrawal is on its way
            long waitedMs = (ticker.read() - p.enqueuedNanos) / 1_000_000;
            after.add(listener::expired);
            after.add(() -> p.fail(new DeadlineExceededException(
                    "request to " + modelId + " timed out after waiting " + waitedMs + " ms in the queue")));
        }
    }

    // guarded by lock: takes a queued request out of its group for good, and lets go of its inputs
    private void unqueue(Pending p) {
        Group g = p.group;
        g.unlink(p);
        queued--;
        p.state = State.DONE;
        p.cancelDeadline();
        p.inputs = null;
        if (g.isEmpty()) {
            removeGroup(g);
        }
    }

    // guarded by lock
    private void removeGroup(Group g) {
        groupsByKey.remove(g.key);
        groups.remove(g);
    }

    /** The latency timer fired: if it is still the armed one, forget it and look again. */
    private void wake(long generation) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (generation != wakeGeneration || wakeTimer == null) {
                return; // superseded: cancelled after it had started to run
            }
            wakeTimer = null;
            pump(after, false);
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    /**
     * Dispatches every batch the policy allows now, then arms, keeps or cancels the latency timer. Guarded by lock;
     * adds to {@code after} the work to do after unlocking (running or handing batches to the executor, answering
     * callers). {@code caller} says that this thread is a caller's (submitting, or closing its arrival) rather than
     * a timer's, a finishing batch's or a drain's: a lone batch that leaves the batcher otherwise idle then runs
     * here, when the settings allow it.
     */
    private void pump(List<Runnable> after, boolean caller) {
        pump(after, caller, null);
    }

    /** As {@link #pump(List, boolean)}; with {@code toStart}, batches to start go there, not to {@code after}. */
    private void pump(List<Runnable> after, boolean caller, List<Batch> toStart) {
        long now = ticker.read();
        boolean moreExpected = arriving > 0 && !closed;
        Batch only = null; // the one batch dispatched so far, held back in case it may run on this thread
        while (true) {
            DispatchPolicy.Decision d = policy.decide(groups, now, moreExpected, settings.maxConcurrency - running);
            if (d.action() != DispatchPolicy.Action.RUN) {
                setWake(d, now);
                break;
            }
            Batch batch = takeBatch(groups.get(d.group()), now, after);
            if (batch == null) {
                continue; // every candidate had expired or been withdrawn: look again
            }
            running++;
            if (only != null) {
                startLater(only, after, toStart);
            }
            only = batch;
            if (running > 1 || queued > 0) {
                startLater(batch, after, toStart); // not idle: this one goes to the executor too
                only = null;
            }
        }
        if (only != null) {
            Batch batch = only;
            if (caller && settings.callerRunsWhenIdle && lightLoad) {
                after.add(() -> runHere(batch));
            } else {
                startLater(batch, after, toStart);
            }
        }
    }

    // guarded by lock: records a dispatched batch to start once unlocked
    private void startLater(Batch batch, List<Runnable> after, List<Batch> toStart) {
        if (toStart != null) {
            toStart.add(batch);
        } else {
            after.add(() -> start(batch));
        }
    }

    // guarded by lock
    private void setWake(DispatchPolicy.Decision d, long now) {
        if (d.action() == DispatchPolicy.Action.WAIT && wakeTimer != null && wakeAtNanos == d.wakeAtNanos()) {
            return; // armed for that instant already
        }
        if (wakeTimer != null) {
            wakeTimer.cancel();
            wakeTimer = null;
        }
        if (d.action() == DispatchPolicy.Action.WAIT) {
            long generation = ++wakeGeneration;
            wakeAtNanos = d.wakeAtNanos();
            wakeTimer = scheduler.schedule(() -> wake(generation), wakeAtNanos - now);
        }
    }

    // guarded by lock: takes the group's head requests whose rows fit, dropping overdue or completed ones on the way
    private Batch takeBatch(Group g, long now, List<Runnable> after) {
        List<Pending> members = new ArrayList<>();
        long rows = 0;
        Pending p = g.head;
        while (p != null) {
            Pending next = p.next;
            if (p.isDone() || now - p.deadlineNanos >= 0) {
                drop(p, after); // completed by its caller, or overdue: never runs
            } else {
                if (!members.isEmpty() && rows + p.rows > settings.maxBatchSize) {
                    break;
                }
                g.unlink(p);
                queued--;
                p.state = State.RUNNING;
                p.cancelDeadline();
                members.add(p);
                rows += p.rows;
                if (rows >= settings.maxBatchSize) {
                    break;
                }
            }
            p = next;
        }
        if (g.isEmpty() && groupsByKey.get(g.key) == g) {
            removeGroup(g);
        }
        return members.isEmpty() ? null : new Batch(members, rows, now);
    }

    /**
     * Runs a batch, answers it, and returns the next batch for this thread to run, if it may run one
     * ({@code mayContinue}, see {@link #finish}); null otherwise.
     */
    private Batch run(Batch batch, boolean mayContinue) {
        long[] waits = new long[batch.members.size()];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = batch.startedNanos - batch.members.get(i).enqueuedNanos;
        }
        notifyListener(() -> listener.batchStarted(batch.members.size(), batch.rows, waits));
        long t0 = ticker.read();
        List<Map<String, Tensor>> results;
        try {
            results = attempt(batch);
        } catch (Error e) {
            // OutOfMemoryError and the like: answer the callers, then let the executor see it
            finish(batch, null, modelFailed(e), ticker.read() - t0, false);
            throw e;
        }
        long computeNanos = ticker.read() - t0;
        if (results == null && batch.isolatable && batch.members.size() > 1) {
            return isolate(batch, computeNanos, mayContinue);
        }
        return finish(batch, results, batch.failure, computeNanos, mayContinue);
    }

    /**
     * An executor thread: runs {@code first}, then, for as long as each finished batch leaves one to run, the next
     * one, without sleeping in between.
     */
    private void runOnExecutor(Batch first) {
        Batch next = first;
        while (next != null) {
            next = run(next, settings.executorThreadContinues);
        }
    }

    /**
     * Runs the model once on a batch: each member's outputs, or null with the batch's {@code failure} set, and
     * {@code isolatable} when the model threw (a smaller batch might succeed). An {@link Error} propagates.
     */
    private List<Map<String, Tensor>> attempt(Batch batch) {
        Map<String, Tensor> outputs;
        try {
            outputs = model.predict(batch.inputs());
        } catch (ModelExecutionException e) {
            return batch.failed(e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // keep the request to stop for the thread's owner (maybe a caller)
            return batch.failed(thrown(e), false); // the thread is asked to stop: run nothing more
        } catch (Exception | LinkageError e) {
            return batch.failed(thrown(e), true);
        }
        try {
            return batch.split(outputs);
        } catch (ModelExecutionException e) {
            // outputs that break the contract are the model's fault, not an input's: re-running parts of the batch
            // would only hide a model that cannot batch
            return batch.failed(e, false);
        }
    }

    /** What callers are told when the model threw: its message. */
    private ModelExecutionException thrown(Throwable e) {
        return ModelCalls.thrown(modelId, e);
    }

    /** What callers are told when running the model raised an {@link Error}. */
    private ModelExecutionException modelFailed(Error e) {
        return ModelCalls.failed(modelId, e);
    }

    /**
     * A batch of several requests failed because the model threw: finds the requests that fail it (see
     * {@link Bisection}), here, on the batch's thread and slot, then finishes the batch. Requests are answered as
     * soon as their part is settled.
     */
    private Batch isolate(Batch batch, long computeNanos, boolean mayContinue) {
        RuntimeException rest = batch.failure;
        try {
            Bisection.isolate(batch.members, batch.failure, new Rerun(Bisection.failedRunBudget(batch.members.size())));
        } catch (Error e) {
            finish(batch, null, modelFailed(e), computeNanos, false); // who is not answered yet gets this
            throw e;
        } catch (RuntimeException e) {
            finish(batch, null, rest, computeNanos, false);
            throw e;
        }
        return finish(batch, null, rest, computeNanos, mayContinue);
    }

    /**
     * Runs a batch on the calling thread, which holds its slot: a caller of an idle batcher. An {@link Error} has
     * answered the batch's callers already (see {@link #run}); it is logged here rather than thrown at a caller
     * whose own request it was not necessarily.
     */
    private void runHere(Batch batch) {
        try {
            run(batch, false); // the caller's own answer waits for this thread: it runs nothing more
        } catch (Error e) {
            LOG.error("model {} failed with an error on a caller's thread", modelId, e);
        }
    }

    private void start(Batch batch) {
        try {
            executor.execute(() -> runOnExecutor(batch));
        } catch (RejectedExecutionException e) {
            finish(batch, null, new ModelExecutionException("model " + modelId
                    + " could not start a batch: the executor refused it", e), 0, false);
        }
    }

    /**
     * Frees the batch's slot, dispatches what the policy allows, then answers the members not answered yet: with
     * their results, else with the failure. With {@code mayContinue} (an executor thread), the first batch
     * dispatched is returned for this thread to run once the members are answered, so that the model keeps running
     * on a thread that has not slept (see "Threads" in the class comment); any others, and every batch when this
     * thread may not continue, go to the executor before the members are answered.
     */
    private Batch finish(Batch batch, List<Map<String, Tensor>> results, RuntimeException failure,
            long computeNanos, boolean mayContinue) {
        List<Runnable> after = new ArrayList<>();
        List<Batch> toStart = new ArrayList<>(1);
        List<Runnable> drainedNow = new ArrayList<>(1);
        lock.lock();
        try {
            running--;
            lightLoad = batch.members.size() == 1 && queued == 0;
            pump(after, false, toStart);
            checkDrained(drainedNow);
        } finally {
            lock.unlock();
        }
        Batch next = mayContinue && !toStart.isEmpty() ? toStart.remove(0) : null;
        // Other batches start before this one's answers: completing the callers' futures runs their
        // continuations on this thread, and those batches should not wait for that.
        for (Batch other : toStart) {
            start(other);
        }
        try {
            runAll(after);
            boolean ok = results != null;
            notifyListener(() -> listener.batchFinished(computeNanos, ok));
            for (int i = 0; i < batch.members.size(); i++) {
                Pending p = batch.members.get(i);
                if (results != null) {
                    p.answer(results.get(i));
                } else {
                    p.fail(failure);
                }
            }
            // Only now is every accepted request answered: a drain waiting on this may close the server.
            runAll(drainedNow);
        } catch (Throwable t) {
            if (next != null) {
                start(next); // an Error from the listener or a callback: the next batch must still run
            }
            throw t;
        }
        return next;
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

    /** The batcher's side of a {@link Bisection}: runs parts of a failed batch, and answers their requests. */
    private final class Rerun implements Bisection.Trials<Pending> {
        private final int budget;

        Rerun(int budget) {
            this.budget = budget;
        }

        @Override
        public List<Pending> live(List<Pending> members) {
            long now = ticker.read();
            List<Pending> live = new ArrayList<>(members.size());
            for (Pending p : members) {
                if (p.isDone()) {
                    continue; // cancelled or completed by its caller
                }
                if (now - p.deadlineNanos >= 0) {
                    long ms = (now - p.enqueuedNanos) / 1_000_000;
                    notifyListener(listener::expired);
                    p.fail(new DeadlineExceededException("request to " + modelId + " timed out after " + ms
                            + " ms: its batch failed, and its deadline passed before it could run again in a "
                            + "smaller batch"));
                    continue;
                }
                live.add(p);
            }
            return live;
        }

        @Override
        public RuntimeException run(List<Pending> members) {
            long rows = 0;
            for (Pending p : members) {
                rows += p.rows;
            }
            Batch part = new Batch(members, rows, ticker.read());
            List<Map<String, Tensor>> results = attempt(part);
            boolean ok = results != null;
            notifyListener(() -> listener.batchRerun(members.size(), part.rows, ok));
            if (ok) {
                for (int i = 0; i < members.size(); i++) {
                    members.get(i).answer(results.get(i));
                }
                return null;
            }
            if (!part.isolatable) {
                failAll(members, part.failure);
                return null;
            }
            return part.failure;
        }

        @Override
        public void failAlone(Pending member, RuntimeException failure) {
            notifyListener(listener::failureIsolated);
            member.fail(failure);
        }

        @Override
        public void failTogether(List<Pending> members, RuntimeException failure) {
            failAll(members, new ModelExecutionException(failure.getMessage() + " (this request ran with others in "
                    + "a batch that failed, and was not isolated: the batcher stops re-running parts of a batch "
                    + "after " + budget + " failed re-runs)", failure));
        }

        private void failAll(List<Pending> members, RuntimeException failure) {
            for (Pending p : members) {
                p.fail(failure);
            }
        }
    }

    private enum State {
        NEW,
        QUEUED,
        RUNNING,
        DONE
    }

    /**
     * A request, and the future its caller holds. The batcher answers it through {@link #answer} and {@link #fail};
     * the public completion methods are the caller's, and withdraw a queued request.
     */
    private final class Pending extends CompletableFuture<Map<String, Tensor>> {
        final long rows;
        final List<String> outputs;
        final long deadlineNanos;
        Map<String, Tensor> inputs; // guarded by lock once queued: null once the request left the queue unrun
        long enqueuedNanos; // guarded by lock
        State state = State.NEW; // guarded by lock
        Group group; // guarded by lock
        Pending prev; // guarded by lock: the group's list
        Pending next; // guarded by lock: the group's list
        Scheduler.Cancellable deadlineTimer; // guarded by lock: null until armed (a request run at once has none)

        Pending(Map<String, Tensor> inputs, long rows, List<String> outputs, long deadlineNanos) {
            this.inputs = inputs;
            this.rows = rows;
            this.outputs = outputs;
            this.deadlineNanos = deadlineNanos;
        }

        // guarded by lock
        void cancelDeadline() {
            if (deadlineTimer != null) {
                deadlineTimer.cancel();
            }
        }

        void answer(Map<String, Tensor> result) {
            super.complete(result);
        }

        void fail(Throwable failure) {
            super.completeExceptionally(failure);
        }

        @Override
        public boolean complete(Map<String, Tensor> value) {
            return withdrawn(super.complete(value));
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            return withdrawn(super.completeExceptionally(ex));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return withdrawn(super.cancel(mayInterruptIfRunning));
        }

        private boolean withdrawn(boolean completedNow) {
            if (completedNow) {
                withdraw(this);
            }
            return completedNow;
        }
    }

    /**
     * The queued requests of one batch key, oldest first, as an intrusive doubly-linked list. All fields guarded
     * by the batcher's lock.
     */
    private static final class Group implements DispatchPolicy.Queue {
        final Object key;
        Pending head;
        Pending tail;
        long rows;

        Group(Object key) {
            this.key = key;
        }

        @Override
        public long rows() {
            return rows;
        }

        @Override
        public long headNanos() {
            return head.enqueuedNanos;
        }

        boolean isEmpty() {
            return head == null;
        }

        void append(Pending p) {
            p.group = this;
            p.prev = tail;
            p.next = null;
            if (tail == null) {
                head = p;
            } else {
                tail.next = p;
            }
            tail = p;
            rows += p.rows;
        }

        void unlink(Pending p) {
            if (p.prev == null) {
                head = p.next;
            } else {
                p.prev.next = p.next;
            }
            if (p.next == null) {
                tail = p.prev;
            } else {
                p.next.prev = p.prev;
            }
            p.prev = null;
            p.next = null;
            p.group = null;
            rows -= p.rows;
        }
    }

    /** Requests dispatched together, or a part of a failed batch run again. */
    private static final class Batch {
        final List<Pending> members;
        final long rows;
        final long startedNanos;
        RuntimeException failure; // how the run failed, null until it does
        boolean isolatable; // whether the model threw, so that running fewer of the members might succeed

        Batch(List<Pending> members, long rows, long startedNanos) {
            this.members = members;
            this.rows = rows;
            this.startedNanos = startedNanos;
        }

        /** Records how the run failed; returns null, the results of a failed run. */
        List<Map<String, Tensor>> failed(RuntimeException e, boolean canIsolate) {
            failure = e;
            isolatable = canIsolate;
            return null;
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
        List<Map<String, Tensor>> split(Map<String, Tensor> returned) {
            Map<String, Tensor> outputs = ModelCalls.returned(returned);
            List<Map<String, Tensor>> results = new ArrayList<>(members.size());
            long offset = 0;
            for (Pending p : members) {
                Map<String, Tensor> mine = new LinkedHashMap<>(p.outputs.size() * 2);
                for (String name : p.outputs) {
                    Tensor t = ModelCalls.output(outputs, name);
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
