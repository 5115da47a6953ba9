package io.inferno.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The search's promises, over every placement of up to four culprits in small batches: each culprit fails alone,
 * every other request is answered, and the runs stay within the documented bounds.
 */
class BisectionTest {
    /** A batch of requests 0..n-1 on a model that fails on a culprit, naming the first, or on everything. */
    private static final class Search implements Bisection.Trials<Integer> {
        final Set<Integer> culprits;
        final boolean failsEverything;
        final Set<Integer> gone = new HashSet<>();
        final List<List<Integer>> runs = new ArrayList<>();
        final Map<Integer, String> answers = new HashMap<>();
        int failedRuns;

        Search(Set<Integer> culprits, boolean failsEverything) {
            this.culprits = culprits;
            this.failsEverything = failsEverything;
        }

        static Search of(Integer... culprits) {
            return new Search(Set.of(culprits), false);
        }

        Search isolate(int n) {
            List<Integer> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(i);
            }
            Bisection.isolate(batch, new IllegalStateException("the whole batch failed"), this);
            assertThat(answers).as("every request is answered").hasSize(n);
            return this;
        }

        @Override
        public List<Integer> live(List<Integer> members) {
            List<Integer> live = new ArrayList<>();
            for (Integer m : members) {
                if (gone.contains(m)) {
                    answers.putIfAbsent(m, "gone");
                } else {
                    live.add(m);
                }
            }
            return live;
        }

        @Override
        public RuntimeException run(List<Integer> members) {
            runs.add(List.copyOf(members));
            for (Integer m : members) {
                if (failsEverything || culprits.contains(m)) {
                    failedRuns++;
                    return new IllegalStateException(failsEverything ? "fails everything" : "culprit " + m);
                }
            }
            members.forEach(m -> answer(m, "ok"));
            return null;
        }

        @Override
        public void failAlone(Integer member, RuntimeException failure) {
            answer(member, "alone: " + failure.getMessage());
        }

        @Override
        public void failTogether(List<Integer> members, RuntimeException failure) {
            members.forEach(m -> answer(m, "together: " + failure.getMessage()));
        }

        private void answer(Integer member, String how) {
            assertThat(answers.put(member, how)).as("request %d answered twice", member).isNull();
        }
    }

    /** Every set of {@code k} culprits among {@code n} requests. */
    private static List<Set<Integer>> subsets(int n, int k) {
        List<Set<Integer>> all = new ArrayList<>();
        collect(n, k, 0, new ArrayList<>(), all);
        return all;
    }

    private static void collect(int n, int k, int from, List<Integer> chosen, List<Set<Integer>> all) {
        if (chosen.size() == k) {
            all.add(Set.copyOf(chosen));
            return;
        }
        for (int i = from; i < n; i++) {
            chosen.add(i);
            collect(n, k, i + 1, chosen, all);
            chosen.remove(chosen.size() - 1);
        }
    }

    @ParameterizedTest(name = "n = {0}: {1}")
    @CsvSource({"2, 4", "3, 8", "4, 8", "5, 12", "8, 12", "9, 16", "16, 16", "17, 20", "32, 20", "33, 24", "256, 32"})
    void theFailedRunBudgetIsFourTimesTheDepthOfTheSearch(int n, int budget) {
        assertThat(Bisection.failedRunBudget(n)).isEqualTo(budget);
    }

    @Test
    void upToFourCulpritsAnywhereEachFailAloneWithinTwoKLog2nRuns() {
        for (int n = 2; n <= 20; n++) {
            int depth = Bisection.ceilLog2(n);
            for (int k = 1; k <= Math.min(4, n); k++) {
                for (Set<Integer> culprits : subsets(n, k)) {
                    Search s = new Search(culprits, false).isolate(n);
                    String what = n + " requests, culprits " + culprits;
                    for (int i = 0; i < n; i++) {
                        assertThat(s.answers.get(i)).as(what)
                                .isEqualTo(culprits.contains(i) ? "alone: culprit " + i : "ok");
                    }
                    assertThat(s.failedRuns).as(what).isLessThanOrEqualTo(k * depth);
                    assertThat(s.runs.size()).as(what).isLessThanOrEqualTo(2 * (1 + k * (depth - 1)))
                            .isLessThanOrEqualTo(2 * k * depth);
                }
            }
        }
    }

    @Test
    void aBatchThatFailsWhateverItHoldsCostsTheBudgetOrTheWholeTreeOfHalves() {
        for (int n = 2; n <= 300; n++) {
            Search s = new Search(Set.of(), true).isolate(n);
            assertThat(s.runs).as("n = %d", n).hasSize(Math.min(2 * n - 2, Bisection.failedRunBudget(n)));
            // each with the failure of the smallest part that held it and ran, or else of the whole batch
            assertThat(s.answers.values()).as("n = %d", n).allMatch(a -> a.equals("alone: fails everything")
                    || a.equals("together: fails everything") || a.equals("together: the whole batch failed"));
        }
    }

    @Test
    void manyCulpritsEndWithinTheBudgetAndOnlyCulpritsFailAlone() {
        Random random = new Random(11);
        for (int n = 2; n <= 64; n++) {
            int budget = Bisection.failedRunBudget(n);
            for (int trial = 0; trial < 50; trial++) {
                Set<Integer> culprits = new HashSet<>();
                int k = 1 + random.nextInt(n);
                while (culprits.size() < k) {
                    culprits.add(random.nextInt(n));
                }
                Search s = new Search(culprits, false).isolate(n);
                String what = n + " requests, culprits " + culprits;
                assertThat(s.failedRuns).as(what).isLessThanOrEqualTo(budget);
                assertThat(s.runs.size()).as(what).isLessThanOrEqualTo(Math.min(2 * n - 2, 2 * (1 + budget)));
                for (int i = 0; i < n; i++) {
                    String answer = s.answers.get(i);
                    if (culprits.contains(i)) {
                        assertThat(answer).as(what).isNotEqualTo("ok");
                    }
                    if (answer.startsWith("alone")) {
                        assertThat(answer).as(what).isEqualTo("alone: culprit " + i);
                    }
                }
            }
        }
    }

    @Test
    void requestsThatMayNoLongerRunLeaveTheSearchAndAPartLeftEmptyIsNotRun() {
        Search s = Search.of(1);
        s.gone.addAll(List.of(2, 4, 5, 6, 7));
        s.isolate(8);
        assertThat(s.runs).containsExactly(List.of(0, 1, 3), List.of(0, 1), List.of(0), List.of(1), List.of(3));
        assertThat(s.answers).containsEntry(1, "alone: culprit 1").containsEntry(3, "ok")
                .containsEntry(2, "gone").containsEntry(7, "gone");
    }
}
