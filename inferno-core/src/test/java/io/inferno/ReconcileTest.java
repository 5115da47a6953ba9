package io.inferno;

import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.state.DesiredState;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.StateStore;
import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two engines sharing one state store converge on each other's admin changes. */
class ReconcileTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path repo;

    /** An in-process store that notifies its subscribers, as a shared store's pub/sub would. */
    static class NotifyingStore implements StateStore {
        final InMemoryStateStore inner = new InMemoryStateStore();
        final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

        @Override
        public Optional<DesiredState> get(String model) {
            return inner.get(model);
        }

        @Override
        public Map<String, DesiredState> all() {
            return inner.all();
        }

        @Override
        public DesiredState update(String model, UnaryOperator<DesiredState> change) {
            DesiredState s = inner.update(model, change);
            listeners.forEach(l -> l.accept(model));
            return s;
        }

        @Override
        public void subscribe(Consumer<String> listener) {
            listeners.add(listener);
        }
    }

    private Inferno replica(StateStore store, Duration sweep) {
        return Inferno.builder().repository(repo).stateStore(store).reconcileInterval(sweep).build();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not reached in 10 s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aChangeNotificationConvergesTheOtherReplicaWithoutWaitingForTheSweep() throws Exception {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8));
        NotifyingStore store = new NotifyingStore();
        try (Inferno a = replica(store, Duration.ofHours(1)); Inferno b = replica(store, Duration.ofHours(1))) {
            assertThat(a.ready()).succeedsWithin(WAIT);
            assertThat(b.ready()).succeedsWithin(WAIT);
            assertThat(b.model("m").active()).hasValue(2);
            assertThat(a.load("m", 1)).succeedsWithin(WAIT);
            // converges to the desired state: version 1 active, version 2 still loaded (a load unloads nothing)
            await(() -> b.model("m").active().equals(java.util.OptionalLong.of(1))
                    && b.model("m").loaded().equals(List.of(1L, 2L)));
            assertThat(a.unload("m", 1)).succeedsWithin(WAIT);
            await(() -> b.model("m").loaded().equals(List.of(2L)));
            assertThat(b.model("m").active()).hasValue(2);
            assertThat(a.unload("m", 2)).succeedsWithin(WAIT);
            await(() -> b.model("m").loaded().isEmpty());
            assertThat(b.model("m").active()).isEmpty();
        }
    }

    @Test
    void thePeriodicSweepConvergesWhenNoNotificationArrives() throws Exception {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8));
        InMemoryStateStore store = new InMemoryStateStore(); // never notifies
        try (Inferno a = replica(store, Duration.ofMillis(50)); Inferno b = replica(store, Duration.ofMillis(50))) {
            assertThat(a.ready()).succeedsWithin(WAIT);
            assertThat(b.ready()).succeedsWithin(WAIT);
            assertThat(a.load("m", 1)).succeedsWithin(WAIT);
            await(() -> b.model("m").active().equals(java.util.OptionalLong.of(1)));
        }
    }

    @Test
    void aLoadTheStoreRefusesLeavesNoLoadedVersionBehind() {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8));
        StateStore store = new StateStore() { // reads nothing recorded, refuses every change
            @Override
            public Optional<DesiredState> get(String model) {
                return Optional.empty();
            }

            @Override
            public Map<String, DesiredState> all() {
                return Map.of();
            }

            @Override
            public DesiredState update(String model, UnaryOperator<DesiredState> change) {
                throw new StateUnavailableException("shared state unavailable: test", null);
            }
        };
        try (Inferno replica = replica(store, Duration.ofHours(1))) {
            assertThat(replica.ready()).succeedsWithin(WAIT);
            assertThat(replica.load("m", 1)).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(StateUnavailableException.class);
            assertThat(replica.model("m").loaded()).containsExactly(2L); // 1 was loaded, then unloaded again
            assertThat(replica.model("m").active()).hasValue(2);
            // a version that was already loaded stays, and stays inactive
            assertThat(replica.load("m", 2)).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(StateUnavailableException.class);
            assertThat(replica.model("m").loaded()).containsExactly(2L);
        }
    }

    @Test
    void aReplicaStartingLaterAppliesTheRecordedState() {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8));
        InMemoryStateStore store = new InMemoryStateStore();
        store.update("m", s -> s.withLoadedActive(1));
        try (Inferno late = replica(store, Duration.ofHours(1))) {
            assertThat(late.ready()).succeedsWithin(WAIT);
            assertThat(late.model("m").active()).hasValue(1);
            assertThat(late.model("m").loaded()).containsExactly(1L);
            assertThat(late.predict(PredictRequest.of("m", Map.of("x",
                    io.inferno.tensor.Tensor.ofFloats(io.inferno.tensor.Shape.of(1, 2), 1, 1)))))
                    .succeedsWithin(WAIT).extracting(Prediction::version).isEqualTo(1L);
        }
    }

    @Test
    void anAdminChangeOvertakenByANewerOneFromAnotherReplicaDoesNotWinLocally() throws Exception {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8));
        writeYaml(repo.resolve("m/3"), ScalingModel.yaml("m", 3, 8));
        java.util.concurrent.CountDownLatch written = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        NotifyingStore store = new NotifyingStore() {
            volatile boolean holdNext = true;

            @Override
            public DesiredState update(String model, UnaryOperator<DesiredState> change) {
                if (!holdNext) {
                    return super.update(model, change);
                }
                // this replica's own write: recorded (its notification lost, so only the other change's reconcile
                // runs), and its caller held before activating
                DesiredState s = inner.update(model, change);
                {
                    holdNext = false;
                    written.countDown();
                    try {
                        release.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return s;
            }
        };
        try (Inferno a = replica(store, Duration.ofHours(1))) {
            assertThat(a.ready()).succeedsWithin(WAIT);
            var load = a.load("m", 1); // the store update runs on the load executor, never on this thread
            assertThat(written.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(a.model("m").active()).hasValue(3); // preloaded, the highest on disk
            // another replica records a newer change (version 2), and this replica reconciles on it first
            store.update("m", s -> s.withLoadedActive(2));
            await(() -> a.model("m").active().equals(java.util.OptionalLong.of(2)));
            release.countDown();
            assertThat(load).succeedsWithin(WAIT);
            assertThat(a.model("m").active()).hasValue(2);
            assertThat(store.get("m").orElseThrow().active()).hasValue(2);
        }
    }
}
