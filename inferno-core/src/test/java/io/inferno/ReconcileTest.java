package io.inferno;

import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.state.DesiredState;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.StateStore;
import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two engines sharing one state store converge on each other's admin changes. */
class ReconcileTest {
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
            a.ready().join();
            b.ready().join();
            assertThat(b.model("m").active()).hasValue(2);
            a.load("m", 1).join();
            // converges to the desired state: version 1 active and the only one loaded
            await(() -> b.model("m").active().equals(java.util.OptionalLong.of(1))
                    && b.model("m").loaded().equals(List.of(1L)));
            a.unload("m", 1).join();
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
            a.ready().join();
            b.ready().join();
            a.load("m", 1).join();
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
            replica.ready().join();
            assertThatThrownBy(() -> replica.load("m", 1).join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(StateUnavailableException.class);
            assertThat(replica.model("m").loaded()).containsExactly(2L); // 1 was loaded, then unloaded again
            assertThat(replica.model("m").active()).hasValue(2);
            // a version that was already loaded stays, and stays inactive
            assertThatThrownBy(() -> replica.load("m", 2).join()).cause().isInstanceOf(StateUnavailableException.class);
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
            late.ready().join();
            assertThat(late.model("m").active()).hasValue(1);
            assertThat(late.model("m").loaded()).containsExactly(1L);
            assertThat(late.predict(PredictRequest.of("m", Map.of("x",
                    io.inferno.tensor.Tensor.ofFloats(io.inferno.tensor.Shape.of(1, 2), 1, 1)))).join().version())
                    .isEqualTo(1);
        }
    }

    @Test
    void anAdminChangeOvertakenByANewerOneFromAnotherReplicaDoesNotWinLocally() throws Exception {
        writeYaml(repo.resolve("m/1"), ScalingModel.yaml("m", 1, 8));
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8));
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
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return s;
            }
        };
        try (Inferno a = replica(store, Duration.ofHours(1))) {
            a.ready().join();
            var load = a.load("m", 1);
            written.await();
            // another replica records a newer change, and this replica reconciles on it first
            store.update("m", s -> s.withLoadedActive(2));
            await(() -> a.model("m").active().equals(java.util.OptionalLong.of(2)));
            release.countDown();
            load.join();
            assertThat(a.model("m").active()).hasValue(2);
            assertThat(store.get("m").orElseThrow().active()).hasValue(2);
        }
    }
}
