package io.inferno.internal;

import java.util.List;

/**
 * The batcher's dispatch rule as a pure function: given the waiting groups, the time, whether more requests are
 * expected and the free execution slots, it says which group to dispatch now, or until when to wait. It holds no
 * state and takes no lock; the {@link Batcher} calls it under its own lock and keeps the queues, the timer and the
 * execution.
 *
 * <p>The rule, for a group's <em>head</em> (its oldest queued request) and {@code waited = now - head}:
 * <ol>
 *   <li>the oldest group whose head has waited {@code maxBatchLatency} or more is <b>due</b>: dispatch it;
 *   <li>otherwise the oldest group holding {@code maxBatchSize} rows or more is <b>full</b>: dispatch it;
 *   <li>otherwise, when no request is expected (none arriving, or the batcher is closing), dispatch the oldest group
 *       at once: waiting could not make its batch any bigger;
 *   <li>otherwise wait until the oldest head comes due ({@code head + maxBatchLatency}).
 * </ol>
 * "Oldest" compares head times; equal heads go by the groups' order in the list (arrival order). With no free slot
 * nothing is dispatched and no timer is needed: the batch that frees a slot looks again when it finishes. Times are
 * {@link io.inferno.time.Ticker} readings and are compared by subtraction, so they may wrap like
 * {@link System#nanoTime()}.
 */
final class DispatchPolicy {
    private final long maxBatchSize;
    private final long maxBatchLatencyNanos;

    DispatchPolicy(long maxBatchSize, long maxBatchLatencyNanos) {
        if (maxBatchSize < 1 || maxBatchLatencyNanos < 0) {
            throw new IllegalArgumentException("invalid dispatch limits: maxBatchSize " + maxBatchSize
                    + ", maxBatchLatencyNanos " + maxBatchLatencyNanos);
        }
        this.maxBatchSize = maxBatchSize;
        this.maxBatchLatencyNanos = maxBatchLatencyNanos;
    }

    /** What the policy needs to know of one group of requests that share a batch key; never empty. */
    interface Queue {
        /** Rows queued in the group. */
        long rows();

        /** When the group's oldest queued request was enqueued. */
        long headNanos();
    }

    /** What to do now. */
    enum Action {
        /** Dispatch the group at {@link Decision#group()}. */
        RUN,
        /** Dispatch nothing; look again at {@link Decision#wakeAtNanos()} (a timer). */
        WAIT,
        /** Dispatch nothing and arm no timer: nothing is queued, or no slot is free. */
        IDLE
    }

    /**
     * A decision.
     *
     * @param action what to do
     * @param group the index of the group to dispatch (RUN), else -1
     * @param wakeAtNanos when to look again (WAIT), else 0
     */
    record Decision(Action action, int group, long wakeAtNanos) {
        static final Decision IDLE = new Decision(Action.IDLE, -1, 0);

        Decision {
            if ((action == Action.RUN) != (group >= 0)) {
                throw new IllegalArgumentException("a group index goes with RUN only: " + action + " " + group);
            }
        }

        static Decision run(int group) {
            return new Decision(Action.RUN, group, 0);
        }

        static Decision waitUntil(long wakeAtNanos) {
            return new Decision(Action.WAIT, -1, wakeAtNanos);
        }
    }

    /**
     * Decides what to do now.
     *
     * @param groups the waiting groups, in arrival order
     * @param now the current time
     * @param moreExpected whether requests are on their way (announced and not yet submitted) and the batcher is
     *     not closing: only then is it worth waiting for a batch to fill
     * @param freeSlots execution slots free now
     */
    Decision decide(List<? extends Queue> groups, long now, boolean moreExpected, int freeSlots) {
        if (freeSlots <= 0 || groups.isEmpty()) {
            return Decision.IDLE;
        }
        int oldest = 0;
        int oldestFull = -1;
        long oldestHead = groups.get(0).headNanos();
        long oldestFullHead = 0;
        for (int i = 0; i < groups.size(); i++) {
            Queue g = groups.get(i);
            long head = g.headNanos();
            if (head - oldestHead < 0) {
                oldest = i;
                oldestHead = head;
            }
            if (g.rows() >= maxBatchSize && (oldestFull < 0 || head - oldestFullHead < 0)) {
                oldestFull = i;
                oldestFullHead = head;
            }
        }
        if (now - oldestHead >= maxBatchLatencyNanos) {
            return Decision.run(oldest); // (1) due; the oldest head is due whenever any head is
        }
        if (oldestFull >= 0) {
            return Decision.run(oldestFull); // (2) full
        }
        if (!moreExpected) {
            return Decision.run(oldest); // (3) work-conserving
        }
        return Decision.waitUntil(oldestHead + maxBatchLatencyNanos);
    }
}
