package io.inferno.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.internal.DispatchPolicy.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dispatch rule as a table: groups (rows queued and head enqueue time, in arrival order), the time, whether more
 * requests are expected and the free slots, and the decision. Times are in plain units; unless a case says
 * otherwise, {@code maxBatchSize} is 4 and {@code maxBatchLatency} is 10.
 */
class DispatchPolicyTest {
    private static final long SIZE = 4;
    private static final long LATENCY = 10;

    record G(long rows, long headNanos) implements DispatchPolicy.Queue {}

    record Case(String name, long latency, List<G> groups, long now, boolean moreExpected, int freeSlots,
            Decision expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static G g(long rows, long head) {
        return new G(rows, head);
    }

    private static Case when(String name, long now, boolean moreExpected, int freeSlots, Decision expected, G... gs) {
        return new Case(name, LATENCY, List.of(gs), now, moreExpected, freeSlots, expected);
    }

    private static final boolean ARRIVING = true;
    private static final boolean QUIET = false; // nothing arriving, or closing

    static Stream<Case> cases() {
        return Stream.of(
                when("nothing queued: idle, no timer", 0, ARRIVING, 1, Decision.IDLE),
                when("no free slot: idle even when due, no timer (the finishing batch looks again)", 50, ARRIVING,
                        0, Decision.IDLE, g(1, 0), g(4, 1)),
                when("quiet: the lone group runs at once", 0, QUIET, 1, Decision.run(0), g(1, 0)),
                when("arriving: a young group waits until its head is due", 3, ARRIVING, 1,
                        Decision.waitUntil(10), g(1, 0)),
                when("one nanosecond short of due: still waits", 9, ARRIVING, 1, Decision.waitUntil(10), g(1, 0)),
                when("waited exactly the latency: due", 10, ARRIVING, 1, Decision.run(0), g(1, 0)),
                when("full: runs without waiting", 1, ARRIVING, 1, Decision.run(0), g(4, 0)),
                when("more rows than a batch: full", 1, ARRIVING, 1, Decision.run(0), g(5, 0)),
                when("a due group later in the list runs while the first one is young", 11, ARRIVING, 1,
                        Decision.run(1), g(2, 2), g(1, 1)),
                when("a due group runs before a younger full group", 11, ARRIVING, 1, Decision.run(1),
                        g(4, 6), g(1, 0)),
                when("of two due groups the oldest head runs first", 30, ARRIVING, 1, Decision.run(1),
                        g(1, 5), g(1, 3)),
                when("of two full groups the oldest head runs first", 4, ARRIVING, 1, Decision.run(1),
                        g(4, 2), g(4, 1)),
                when("equal heads go by arrival order", 20, ARRIVING, 1, Decision.run(0), g(1, 0), g(1, 0)),
                when("quiet: the oldest head runs, not the first group", 6, QUIET, 1, Decision.run(1),
                        g(1, 5), g(1, 3)),
                when("quiet: a full group still beats an older partial one that is not due", 6, QUIET, 1,
                        Decision.run(1), g(1, 3), g(4, 5)),
                when("one timer for the earliest head among all groups", 6, ARRIVING, 2, Decision.waitUntil(13),
                        g(1, 5), g(1, 3), g(2, 4)),
                new Case("latency 0: everything is due at once", 0, List.of(g(1, 7)), 7, ARRIVING, 1,
                        Decision.run(0)),
                new Case("times wrap like nanoTime: due across the wrap", LATENCY,
                        List.of(g(1, Long.MAX_VALUE - 5)), Long.MIN_VALUE + 5, ARRIVING, 1, Decision.run(0)),
                new Case("times wrap like nanoTime: the oldest head across the wrap, and its timer", LATENCY,
                        List.of(g(1, Long.MIN_VALUE + 1), g(1, Long.MAX_VALUE)), Long.MIN_VALUE + 2, ARRIVING, 1,
                        Decision.waitUntil(Long.MAX_VALUE + LATENCY)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        DispatchPolicy policy = new DispatchPolicy(SIZE, c.latency());
        assertThat(policy.decide(c.groups(), c.now(), c.moreExpected(), c.freeSlots())).isEqualTo(c.expected());
    }

    @Test
    void doesNotChangeTheGroupsItIsGiven() {
        List<G> groups = new ArrayList<>(List.of(g(1, 5), g(4, 3)));
        new DispatchPolicy(SIZE, LATENCY).decide(groups, 100, ARRIVING, 1);
        assertThat(groups).containsExactly(g(1, 5), g(4, 3));
    }

    @Test
    void refusesInvalidLimitsQuotingThem() {
        assertThatThrownBy(() -> new DispatchPolicy(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid dispatch limits: maxBatchSize 0, maxBatchLatencyNanos 10");
        assertThatThrownBy(() -> new DispatchPolicy(4, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid dispatch limits: maxBatchSize 4, maxBatchLatencyNanos -1");
    }
}
