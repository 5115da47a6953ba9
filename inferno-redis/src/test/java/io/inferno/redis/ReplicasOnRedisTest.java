package io.inferno.redis;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static io.inferno.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.Inferno;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.StateUnavailableException;
import io.inferno.state.DesiredState;
import io.inferno.state.ReplicaReport;
import io.inferno.state.StateStore;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three engines, each with its own Redis store (as three processes would have), sharing one Redis: one admin call
 * steers all three, and an outage stops admin changes but not serving. Owns its redis-server, since it stops it.
 */
class ReplicasOnRedisTest {
    private static final Duration SWEEP = Duration.ofMillis(300);
    private static final String MODEL = "m";

    @TempDir
    Path repo;

    private EmbeddedRedis redis;
    private final List<Inferno> replicas = new ArrayList<>();
    private final List<SweepCounting> sweeps = new ArrayList<>(); // replica i's store
    private RedisStateStore observer; // reads the desired state as an operator would

    @BeforeEach
    void start() {
        for (long v = 1; v <= 3; v++) {
            writeYaml(repo.resolve(MODEL + "/" + v), ScalingModel.yaml(MODEL, v, 8));
        }
        redis = EmbeddedRedis.start();
        for (int i = 0; i < 3; i++) {
            SweepCounting store = new SweepCounting(store());
            sweeps.add(store);
            Inferno replica = Inferno.builder().repository(repo).stateStore(store).reconcileInterval(SWEEP)
                    .replicaId("replica-" + i).build();
            replicas.add(replica);
            done(replica.ready());
        }
        observer = store();
    }

    private RedisStateStore store() {
        return RedisStateStore.builder(redis.uri()).commandTimeout(Duration.ofSeconds(1))
                .maxReconnectDelay(Duration.ofMillis(500)).heartbeatTtl(SWEEP.multipliedBy(3)).build();
    }

    @AfterEach
    void stop() {
        replicas.forEach(Inferno::close); // each closes its store
        observer.close();
        redis.close();
    }

    private Inferno replica(int i) {
        return replicas.get(i);
    }

    private static long servedVersion(Inferno replica) {
        Prediction p = done(replica.predict(PredictRequest.of(MODEL,
                Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 1)))));
        return p.version();
    }

    /**
     * Waits until every replica has started {@code n} sweeps from now on (a sweep starts by reading every desired
     * state; it starts only after the previous one ended, so n starts mean n - 1 whole sweeps).
     */
    private void awaitSweeps(int n) throws InterruptedException {
        sweeps.forEach(s -> s.started.drainPermits());
        for (SweepCounting s : sweeps) {
            Await.acquire(s.started, n, "sweeps");
        }
    }

    /** A replica's store, counting its sweeps: the only signal that a sweep happened, even a failing one. */
    private static final class SweepCounting implements StateStore {
        final Semaphore started = new Semaphore(0);
        private final StateStore store;

        SweepCounting(StateStore store) {
            this.store = store;
        }

        @Override
        public Map<String, DesiredState> all() {
            try {
                return store.all();
            } finally {
                started.release();
            }
        }

        @Override
        public Optional<DesiredState> get(String model) {
            return store.get(model);
        }

        @Override
        public DesiredState update(String model, UnaryOperator<DesiredState> change) {
            return store.update(model, change);
        }

        @Override
        public void subscribe(Consumer<String> listener) {
            store.subscribe(listener);
        }

        @Override
        public void heartbeat(ReplicaReport report) {
            store.heartbeat(report);
        }

        @Override
        public List<ReplicaReport> fleet() {
            return store.fleet();
        }

        @Override
        public boolean healthy() {
            return store.healthy();
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private static boolean serves(Inferno replica, OptionalLong active, List<Long> loaded) {
        ModelStatus s = replica.model(MODEL);
        return s.active().equals(active) && s.loaded().equals(loaded);
    }

    /** Waits until replicas 1 and 2 match; returns how long that took. */
    private Duration awaitOthers(String what, OptionalLong active, List<Long> loaded) throws InterruptedException {
        return until(what, () -> serves(replica(1), active, loaded) && serves(replica(2), active, loaded));
    }

    @Test
    void aLoadAndAnUnloadOnOneReplicaReachTheOthers() throws Exception {
        for (Inferno r : replicas) {
            assertThat(servedVersion(r)).isEqualTo(3); // nothing recorded yet: each preloads the highest version
        }

        done(replica(0).load(MODEL, 1)); // 1 active; the preloaded 3 stays loaded until unloaded
        Duration loadConverged = awaitOthers("load converges", OptionalLong.of(1), List.of(1L, 3L));
        for (Inferno r : replicas) {
            assertThat(servedVersion(r)).isEqualTo(1);
        }

        done(replica(0).load(MODEL, 2));
        awaitOthers("second load converges", OptionalLong.of(2), List.of(1L, 2L, 3L));
        done(replica(0).unload(MODEL, 2)); // 3 is the highest remaining
        awaitOthers("unload of the active version converges", OptionalLong.of(3), List.of(1L, 3L));
        done(replica(0).unload(MODEL, 3));
        Duration unloadConverged = awaitOthers("unload converges", OptionalLong.of(1), List.of(1L));
        for (Inferno r : replicas) {
            assertThat(servedVersion(r)).isEqualTo(1);
        }
        done(replica(1).unload(MODEL, 1)); // nothing left
        Duration unloadAllConverged = until("unload of the last version converges",
                () -> replicas.stream().allMatch(r -> serves(r, OptionalLong.empty(), List.of())));

        System.out.printf("3 replicas on Redis: load converged in %d ms, unload in %d ms, unload of the last"
                + " version in %d ms%n", loadConverged.toMillis(), unloadConverged.toMillis(),
                unloadAllConverged.toMillis());
        assertThat(observer.get(MODEL).orElseThrow().loaded()).isEmpty();
        until("every replica's heartbeat is listed", () -> replica(2).fleet().size() == 3);
        assertThat(replica(2).fleet()).extracting(r -> r.replica())
                .containsExactly("replica-0", "replica-1", "replica-2");
    }

    @Test
    void duringAnOutageReplicasServeAndRefuseAdminCallsAndAfterItConvergeAgain() throws Exception {
        done(replica(0).load(MODEL, 2));
        until("all on version 2 before the outage",
                () -> replicas.stream().allMatch(r -> serves(r, OptionalLong.of(2), List.of(2L, 3L))));

        redis.stop();
        long stopped = System.nanoTime();
        List<CompletableFuture<Prediction>> predictions = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            predictions.add(replica(i % 3).predict(PredictRequest.of(MODEL,
                    Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 1)))));
            if (i % 100 == 99) {
                awaitSweeps(1); // spread over a few failing sweeps
            }
        }
        long failed = predictions.stream().filter(p -> done(p.handle((ok, e) -> e != null))).count();
        assertThat(failed).isZero();
        assertThat(predictions).allMatch(p -> done(p).version() == 2);

        long t = System.nanoTime();
        assertThatThrownBy(() -> done(replica(1).load(MODEL, 3))).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(StateUnavailableException.class)
                .hasMessageStartingWith("shared state unavailable: ");
        assertThatThrownBy(() -> done(replica(2).unload(MODEL, 2))).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(StateUnavailableException.class);
        Duration refusedIn = Duration.ofNanos(System.nanoTime() - t);
        for (Inferno r : replicas) {
            assertThat(r.stateStoreHealthy()).isFalse();
            assertThat(r.model(MODEL)).as("a refused change leaves no trace")
                    .returns(OptionalLong.of(2), ModelStatus::active).returns(List.of(2L, 3L), ModelStatus::loaded);
        }
        Duration outage = Duration.ofNanos(System.nanoTime() - stopped);

        redis.restart();
        long back = System.nanoTime();
        until("stores healthy again", () -> replicas.stream().allMatch(Inferno::stateStoreHealthy));
        Duration healthyIn = Duration.ofNanos(System.nanoTime() - back);
        done(replica(2).load(MODEL, 3));
        Duration converged = until("a change after the outage converges",
                () -> replicas.stream().allMatch(r -> serves(r, OptionalLong.of(3), List.of(2L, 3L))));
        System.out.printf("outage of %d ms: 300 predictions, 0 failed; admin calls refused in %d ms; all stores"
                + " healthy %d ms after Redis restarted; the next change converged in %d ms%n", outage.toMillis(),
                refusedIn.toMillis(), healthyIn.toMillis(), converged.toMillis());
    }

    @Test
    void concurrentAdminCallsOnTwoReplicasLeaveEveryReplicaOnTheRecordedState() throws Exception {
        for (int round = 0; round < 10; round++) {
            long a = 1 + round % 3;
            long b = 1 + (round + 1) % 3;
            CompletableFuture<Void> fa = replica(0).load(MODEL, a);
            CompletableFuture<Void> fb = round % 2 == 0 ? replica(1).load(MODEL, b)
                    : replica(1).unload(MODEL, b).exceptionally(e -> null); // b may not be loaded there yet
            done(CompletableFuture.allOf(fa, fb));
        }
        DesiredState desired = observer.get(MODEL).orElseThrow();
        OptionalLong active = desired.active();
        List<Long> loaded = List.copyOf(desired.loaded());
        Duration converged = until("every replica on " + desired,
                () -> replicas.stream().allMatch(r -> serves(r, active, loaded)));
        System.out.printf("after concurrent admin calls: all replicas on %s within %d ms%n", desired,
                converged.toMillis());
        awaitSweeps(3); // late reconciles and two whole sweeps change nothing
        assertThat(observer.get(MODEL)).contains(desired);
        assertThat(replicas).allMatch(r -> serves(r, active, loaded));
        assertThat(desired.revision()).isBetween(15L, 20L); // 15 loads, and the unloads that found their version
        if (active.isPresent()) {
            for (Inferno r : replicas) {
                assertThat(servedVersion(r)).isEqualTo(active.getAsLong());
            }
        }
    }
}
