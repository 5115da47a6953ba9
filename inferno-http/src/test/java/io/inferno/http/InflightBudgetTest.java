package io.inferno.http;

import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.OverloadedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InflightBudgetTest {
    @Test
    void tryAddReservesWithinTheLimitAndNothingBeyondIt() {
        InflightBudget budget = new InflightBudget(100);
        InflightBudget.Reservation a = budget.open();
        InflightBudget.Reservation b = budget.open();
        assertThat(a.tryAdd(60)).isTrue();
        assertThat(b.tryAdd(41)).isFalse();
        assertThat(b.held()).isZero();
        assertThat(b.tryAdd(40)).isTrue();
        assertThat(budget.used()).isEqualTo(100);
        assertThat(budget.available()).isZero();
    }

    @Test
    void addCountsMemoryThatExistsEvenPastTheLimit() {
        InflightBudget budget = new InflightBudget(100);
        InflightBudget.Reservation r = budget.open();
        r.add(150);
        assertThat(budget.used()).isEqualTo(150);
        assertThat(budget.open().tryAdd(1)).isFalse();
    }

    @Test
    void closeReleasesEverythingOnceAndLaterAddsAreNotCounted() {
        InflightBudget budget = new InflightBudget(100);
        InflightBudget.Reservation r = budget.open();
        r.tryAdd(30);
        r.add(20);
        r.close();
        r.close();
        assertThat(budget.used()).isZero();
        r.add(10); // a model answered after the client left
        assertThat(r.tryAdd(10)).isFalse();
        assertThat(budget.used()).isZero();
    }

    @Test
    void theRefusalIsAnOverloadForMemoryThatNamesTheSetting() {
        InflightBudget budget = new InflightBudget(100);
        budget.open().tryAdd(70);
        OverloadedException e = budget.refusal(50);
        assertThat(e.reason()).isEqualTo(OverloadedException.Reason.MEMORY);
        assertThat(e.getMessage()).isEqualTo("the server holds 70 of the 100 bytes it allows for requests in flight "
                + "(MAX_INFLIGHT_BYTES) and this request needs 50 more; retry later");
    }

    @Test
    void manyThreadsNeverPassTheLimitAndLeaveNothingHeld() throws Exception {
        int threads = 8;
        InflightBudget budget = new InflightBudget(1000);
        AtomicLong highest = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < 20_000; i++) {
                        try (InflightBudget.Reservation r = budget.open()) {
                            r.tryAdd(1 + i % 300);
                            r.tryAdd(7);
                            highest.accumulateAndGet(budget.used(), Math::max);
                        }
                    }
                }, pool));
            }
            runs.forEach(r -> done(r));
        } finally {
            pool.shutdown();
        }
        assertThat(highest.get()).isLessThanOrEqualTo(1000);
        assertThat(budget.used()).isZero();
    }
}
