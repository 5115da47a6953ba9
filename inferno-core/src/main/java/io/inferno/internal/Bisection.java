package io.inferno.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The search for the requests that made a batch fail, so that each of them fails alone and the others get their
 * answers. It only decides what runs next; its {@link Trials} run the model and answer callers.
 *
 * <h2>Algorithm</h2>
 * A batch of n requests failed. Its requests are split in two halves (the first one the larger by at most one; a
 * request's rows stay together), and each half runs again as a batch, first half first, depth first:
 * <ul>
 *   <li>a half that succeeds answers its requests;
 *   <li>a half of one request that fails gives that request its own failure: it is <em>isolated</em>;
 *   <li>a bigger half that fails is split the same way.
 * </ul>
 * Before each run, requests that may no longer run (deadline passed, cancelled) leave the search.
 *
 * <h2>Cost</h2>
 * Every re-run is a half of a part that failed (the batch, or a failed re-run), and halving reaches single requests
 * after at most ⌈log2 n⌉ levels. When k requests fail whatever batch they are in (culprits) and the others never do,
 * a failed re-run holds a culprit, and each culprit is in at most one failed part per level: at most k⌈log2 n⌉
 * failed re-runs, and at most 2(1 + k(⌈log2 n⌉ − 1)) ≤ 2k⌈log2 n⌉ re-runs in all (never more than 2n − 2, the whole
 * tree of halves).
 *
 * <h2>Budget</h2>
 * A search makes at most {@link #failedRunBudget} = 4⌈log2 n⌉ failed re-runs; once they are spent, every request not
 * answered yet fails with the failure of the smallest part known to fail that held it ({@link Trials#failTogether}).
 * Counting failed runs, not all runs, means a run that answers requests is never what ends a search. The budget is
 * what four culprits cost at worst, so any four culprits in a batch, wherever they sit, are always isolated (more
 * when they sit close together, as a client's consecutive requests do). A model that fails every input (which its
 * load-time warmup or dry run usually catches) costs exactly min(2n − 2, 4⌈log2 n⌉) re-runs per batch, against
 * 2n − 2 for a search without a budget. Whatever fails, a search makes at most 2(1 + 4⌈log2 n⌉) re-runs: each split
 * is of the batch or of a failed re-run, and makes two runs.
 *
 * <p>Not thread-safe: a search runs on one thread, start to end.
 */
final class Bisection {
    /** Culprits any batch can hold and still see each of them isolated. */
    static final int GUARANTEED_CULPRITS = 4;

    private Bisection() {}

    /** What a search runs and answers: the batcher's side. Every call is made on the search's thread. */
    interface Trials<T> {
        /** The members that may still run, in order; answering the others (deadline passed, cancelled) is done. */
        List<T> live(List<T> members);

        /**
         * Runs the members as one batch. Returns null once they are answered (the run succeeded, or failed in a way
         * no smaller batch would change), else the model's failure, with the members not answered.
         */
        RuntimeException run(List<T> members);

        /** The member failed on its own: the failure is about its own input. */
        void failAlone(T member, RuntimeException failure);

        /** The budget is spent: the members fail with the failure of a part that held them and others. */
        void failTogether(List<T> members, RuntimeException failure);
    }

    /** Failed re-runs a search of a batch of {@code n} requests may make: 4⌈log2 n⌉. */
    static int failedRunBudget(int n) {
        return GUARANTEED_CULPRITS * ceilLog2(n);
    }

    static int ceilLog2(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    /**
     * Searches a batch that failed, until each of its members is answered: by a run that succeeded, alone with its
     * own failure, or together once the budget is spent.
     *
     * @param batch the batch's members, in batch order, at least two
     * @param failure how the whole batch failed
     */
    static <T> void isolate(List<T> batch, RuntimeException failure, Trials<T> trials) {
        int budget = failedRunBudget(batch.size());
        int failedRuns = 0;
        Deque<Part<T>> todo = new ArrayDeque<>();
        pushHalves(todo, batch, failure);
        Part<T> part;
        while ((part = todo.pollFirst()) != null) {
            List<T> live = trials.live(part.members);
            if (live.isEmpty()) {
                continue;
            }
            if (failedRuns >= budget) {
                trials.failTogether(live, part.failure);
                continue;
            }
            RuntimeException own = trials.run(live);
            if (own == null) {
                continue;
            }
            failedRuns++;
            if (live.size() == 1) {
                trials.failAlone(live.get(0), own);
            } else {
                pushHalves(todo, live, own);
            }
        }
    }

    /** Queues the two halves of a failed part to run next, the first half first. */
    private static <T> void pushHalves(Deque<Part<T>> todo, List<T> failed, RuntimeException failure) {
        int half = (failed.size() + 1) / 2;
        todo.addFirst(new Part<>(failed.subList(half, failed.size()), failure));
        todo.addFirst(new Part<>(failed.subList(0, half), failure));
    }

    /** Members not run yet, and the failure of the smallest part known to fail that held them. */
    private record Part<T>(List<T> members, RuntimeException failure) {}
}
