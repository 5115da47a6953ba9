package io.inferno;

import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.state.StateStore;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.testing.Await;
import io.inferno.testing.Exposition;
import io.inferno.testing.ObservedStore;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version lifecycle: hot swaps, desired-state races, loads and shutdown interleaved, a live repository, metrics. */
class LifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path repo;

    private ModelProbe probe;
    private final List<Inferno> opened = new ArrayList<>();
    private final ExecutorService side = Executors.newCachedThreadPool();

    @BeforeEach
    void attach() {
        probe = ModelProbe.open(repo);
    }

    @AfterEach
    void closeAll() {
        probe.close(); // opens every gate first, so nothing waits on a test that already failed
        opened.forEach(Inferno::close);
        side.shutdownNow();
    }

    private void model(String name, long version) {
        writeYaml(repo.resolve(name).resolve(Long.toString(version)), ScalingModel.yaml(name, version, 8));
    }

    private Inferno start(Inferno.Builder b) {
        Inferno inferno = b.build();
        opened.add(inferno);
        return inferno;
    }

    private Inferno.Builder builder() {
        return Inferno.builder().repository(repo).reconcileInterval(Duration.ofHours(1));
    }

    private static PredictRequest request(String model) {
        return PredictRequest.of(model, Map.of("x", Tensor.ofFloats(Shape.of(1, 2), 1, 2)));
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return f.handle((r, t) -> t).toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    private static Throwable cause(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String scrape(Inferno inferno) {
        return Exposition.text(inferno.metricsRegistry());
    }

    // ---- hot swap and the desired state

    @Test
    void aHotSwapFollowedByASweepKeepsTheListing() throws Exception {
        model("m", 1);
        model("m", 2);
        ObservedStore store = new ObservedStore();
        Inferno inferno = start(builder().stateStore(store).reconcileInterval(Duration.ofMillis(10)));
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(inferno.load("m", 1)).succeedsWithin(WAIT);
        ModelStatus afterSwap = inferno.model("m");
        assertThat(afterSwap.active()).hasValue(1);
        assertThat(afterSwap.loaded()).containsExactly(1L, 2L); // a load leaves the others loaded

        int sweeps = store.sweeps.get();
        Await.until("two more sweeps", () -> store.sweeps.get() >= sweeps + 2); // so one ran whole
        assertThat(inferno.model("m")).isEqualTo(afterSwap);
        assertThat(inferno.predict(request("m").withVersion(2))).succeedsWithin(WAIT);

        assertThat(inferno.load("m", 2)).succeedsWithin(WAIT); // and back: both stay
        int again = store.sweeps.get();
        Await.until("two more sweeps", () -> store.sweeps.get() >= again + 2);
        assertThat(inferno.model("m").active()).hasValue(2);
        assertThat(inferno.model("m").loaded()).containsExactly(1L, 2L);
    }

    @Test
    void aSweepThatReadTheStoreBeforeAnAdminChangeCannotUndoIt() throws Exception {
        model("m", 1);
        model("m", 2);
        model("m", 3);
        ObservedStore store = new ObservedStore();
        store.record("m", s -> s.withLoadedActive(1));
        Inferno inferno = start(builder().stateStore(store));
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(inferno.model("m").loaded()).containsExactly(1L);

        // another replica records version 2; this replica's reconcile reads it and waits on 2's load
        probe.loads("m:2").hold();
        store.record("m", s -> s.withLoadedActive(2));
        store.notifyChange("m");
        probe.loads("m:2").awaitArrivals(1);

        // meanwhile an admin loads 3 here: recorded after the stale read, held before it applies
        CountDownLatch written = new CountDownLatch(1);
        CompletableFuture<Void> proceed = new CompletableFuture<>();
        store.afterUpdate = () -> {
            store.afterUpdate = () -> {};
            written.countDown();
            proceed.orTimeout(20, TimeUnit.SECONDS).join();
        };
        CompletableFuture<Void> admin = inferno.load("m", 3);
        assertThat(awaitLatch(written)).isTrue();

        // the stale reconcile applies now, between the admin's write and its apply
        probe.loads("m:2").release();
        Await.until("the reconcile of revision 2 applied", () -> inferno.model("m").active().equals(
                OptionalLong.of(2)));
        proceed.complete(null);
        assertThat(admin).succeedsWithin(WAIT);

        assertThat(store.get("m").orElseThrow().active()).hasValue(3);
        assertThat(inferno.model("m").active()).hasValue(3);
        assertThat(inferno.model("m").loaded()).containsExactly(1L, 2L, 3L);
        assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT).extracting(Prediction::version)
                .isEqualTo(3L);
    }

    @Test
    void concurrentAdminCallsOnTwoReplicasWithSweepsAndNotificationsEndOnTheRecordedState() throws Exception {
        for (long v = 1; v <= 3; v++) {
            model("m", v);
        }
        ObservedStore store = new ObservedStore();
        store.notifyOnUpdate = true;
        Inferno a = start(builder().stateStore(store).reconcileInterval(Duration.ofMillis(3)));
        Inferno b = start(builder().stateStore(store).reconcileInterval(Duration.ofMillis(3)));
        assertThat(a.ready()).succeedsWithin(WAIT);
        assertThat(b.ready()).succeedsWithin(WAIT);
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 40; round++) {
            Inferno x = random.nextBoolean() ? a : b;
            Inferno y = x == a ? b : a;
            long v = 1 + random.nextInt(3);
            long w = 1 + random.nextInt(3);
            CompletableFuture<Void> one = x.load("m", v);
            CompletableFuture<Void> two = random.nextInt(3) == 0 ? y.unload("m", w).exceptionally(e -> null)
                    : y.load("m", w);
            assertThat(CompletableFuture.allOf(one, two)).succeedsWithin(WAIT);
        }
        var recorded = store.get("m").orElseThrow();
        for (Inferno r : List.of(a, b)) {
            Await.until("replica on " + recorded, () -> r.model("m").active().equals(recorded.active())
                    && r.model("m").loaded().equals(List.copyOf(recorded.loaded())));
        }
        int sweeps = store.sweeps.get();
        Await.until("two sweeps on each replica", () -> store.sweeps.get() >= sweeps + 4);
        assertThat(store.get("m")).contains(recorded);
        for (Inferno r : List.of(a, b)) {
            assertThat(r.model("m").active()).isEqualTo(recorded.active());
            assertThat(r.model("m").loaded()).isEqualTo(List.copyOf(recorded.loaded()));
        }
    }

    private static boolean awaitLatch(CountDownLatch latch) {
        try {
            return latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void heartbeatsGoOnWhileALoadOutlastsThem() throws Exception {
        model("m", 1);
        ObservedStore store = new ObservedStore();
        store.record("m", s -> s.withLoadedActive(1));
        probe.loads("m:1").hold();
        Inferno inferno = start(builder().stateStore(store).reconcileInterval(Duration.ofMillis(10)));
        probe.loads("m:1").awaitArrivals(1);
        int before = store.heartbeats.get();
        Await.until("heartbeats while the load waits", () -> store.heartbeats.get() >= before + 3);
        assertThat(inferno.ready()).isNotDone();
        probe.loads("m:1").release();
        assertThat(inferno.ready()).succeedsWithin(WAIT);
    }

    // ---- loads racing failures and shutdown

    @Test
    void aLoadTheExecutorRefusesFailsAndIsNotRememberedAsRunning() throws Exception {
        model("m", 1);
        AtomicBoolean refuse = new AtomicBoolean();
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            Inferno inferno = start(builder().preload(false).loadExecutor(task -> {
                if (refuse.get()) {
                    throw new RejectedExecutionException("test: refused");
                }
                pool.execute(task);
            }));
            assertThat(inferno.ready()).succeedsWithin(WAIT);
            refuse.set(true);
            assertThat(cause(failure(inferno.predict(request("m"))))).isInstanceOf(OverloadedException.class)
                    .hasMessageContaining("refused");
            assertThat(cause(failure(inferno.predict(request("m"))))).isInstanceOf(OverloadedException.class);
            refuse.set(false);
            assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingWhileALoadRunsFreesTheModelThatLoadsLate() throws Exception {
        model("m", 1);
        probe.loads("m:1").hold();
        Inferno inferno = start(builder().preload(false));
        CompletableFuture<Prediction> first = inferno.predict(request("m"));
        probe.loads("m:1").awaitArrivals(1);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(inferno::close, side);
        Await.until("close began", () -> cause(failure(inferno.predict(request("unknown"))))
                instanceof OverloadedException); // ModelNotFoundException until then
        probe.loads("m:1").release();
        assertThat(closing).succeedsWithin(WAIT);
        assertThat(failure(first)).isNotNull();
        assertThat(probe.created("m:1")).isEqualTo(1);
        assertThat(probe.closed("m:1")).isEqualTo(1);
    }

    @Test
    void aLoadTheStoreRefusesLeavesAModelThatLoadsOnFirstUseAsItWas() throws Exception {
        model("m", 1);
        model("m", 2);
        ObservedStore store = new ObservedStore();
        store.afterUpdate = () -> {
            throw new StateUnavailableException("shared state unavailable: test", null);
        };
        Inferno inferno = start(builder().stateStore(store).preload(false));
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(cause(failure(inferno.load("m", 1)))).isInstanceOf(StateUnavailableException.class);
        assertThat(inferno.model("m").loaded()).isEmpty();
        assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT).extracting(Prediction::version)
                .isEqualTo(2L);
    }

    @Test
    void asynchronousOperationsFailTheirFutureAndNeverThrow() throws Exception {
        model("m", 1);
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(cause(failure(inferno.load("nope", 1)))).isInstanceOf(ModelNotFoundException.class);
        assertThat(cause(failure(inferno.load("m", 0)))).isInstanceOf(InvalidInputException.class);
        assertThat(cause(failure(inferno.unload("m", 7)))).isInstanceOf(ModelNotFoundException.class);
        inferno.close();
        assertThat(cause(failure(inferno.load("m", 1)))).isInstanceOf(OverloadedException.class);
        assertThat(cause(failure(inferno.unload("m", 1)))).isInstanceOf(OverloadedException.class);
    }

    // ---- a live repository

    @Test
    void aVersionCopiedInAfterStartLoadsAndServesWithoutARestart() throws Exception {
        model("m", 1);
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        model("m", 2);
        assertThat(inferno.load("m", 2)).succeedsWithin(WAIT);
        assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT).extracting(Prediction::version)
                .isEqualTo(2L);
        ModelStatus s = inferno.model("m");
        assertThat(s.onDisk()).containsExactly(1L, 2L);
        assertThat(s.loaded()).containsExactly(1L, 2L);
    }

    @Test
    void aModelCopiedInAfterStartLoadsTheSameWay() throws Exception {
        model("m", 1);
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(cause(failure(inferno.predict(request("late"))))).isInstanceOf(ModelNotFoundException.class);
        model("late", 1);
        assertThat(inferno.load("late", 1)).succeedsWithin(WAIT);
        assertThat(inferno.predict(request("late"))).succeedsWithin(WAIT);
        assertThat(inferno.models()).extracting(ModelStatus::name).containsExactly("late", "m");
    }

    @Test
    void anInvalidPackageCopiedInFailsItsLoadWithTheReasonAndTheModelKeepsServing() throws Exception {
        model("m", 1);
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        writeYaml(repo.resolve("m/2"), ScalingModel.yaml("m", 2, 8).replace("float32, shape: [batch, 2]}",
                "float33, shape: [batch, 2]}"));
        Throwable t = cause(failure(inferno.load("m", 2)));
        assertThat(t).isInstanceOf(ModelLoadException.class).hasMessageContaining("float33");
        assertThat(inferno.model("m").failures()).anySatisfy(f -> assertThat(f.version()).hasValue(2));
        assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT).extracting(Prediction::version)
                .isEqualTo(1L);
    }

    @Test
    void aPollUpdatesTheListingAndNeverUnloadsWhatServes() throws Exception {
        model("m", 1);
        Inferno inferno = start(builder().repositoryPollInterval(Duration.ofMillis(10)));
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        model("m", 2);
        model("fresh", 1);
        Await.until("the poll found m:2 and fresh", () -> inferno.model("m").onDisk().equals(List.of(1L, 2L))
                && inferno.models().stream().anyMatch(s -> s.name().equals("fresh")));
        assertThat(inferno.model("m").active()).hasValue(1); // listed, not loaded
        assertThat(inferno.model("m").loaded()).containsExactly(1L);

        deleteTree(repo.resolve("m/1"));
        Await.until("the poll saw m/1 go", () -> inferno.model("m").onDisk().equals(List.of(2L)));
        assertThat(inferno.model("m").loaded()).containsExactly(1L);
        assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT).extracting(Prediction::version)
                .isEqualTo(1L);
        assertThat(probe.closed("m:1")).isZero();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    // ---- metrics stay bounded

    @Test
    void unknownModelNamesAddNoSeries() throws Exception {
        model("m", 1);
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        for (int i = 0; i < 20; i++) {
            failure(inferno.predict(request("nope-" + i)));
        }
        String text = scrape(inferno);
        assertThat(text).doesNotContain("nope-")
                .contains("infer_exceptions_total{exception=\"ModelNotFoundException\",model=\"_unknown\"} 20");
        assertThat(inferno.metricsLabel("m")).isEqualTo("m");
        assertThat(inferno.metricsLabel("nope-1")).isEqualTo(Inferno.UNKNOWN_MODEL_LABEL);
    }

    @Test
    void anUnloadedVersionsSeriesGoAfterItsDrainAndStayGone() throws Exception {
        model("m", 1);
        model("m", 2);
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(inferno.load("m", 1)).succeedsWithin(WAIT);
        assertThat(inferno.predict(request("m").withVersion(2))).succeedsWithin(WAIT);
        assertThat(scrape(inferno)).contains("model_loaded{model=\"m\",version=\"2\"} 1");
        List<CompletableFuture<Prediction>> inFlight = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inFlight.add(inferno.predict(request("m").withVersion(2)));
        }
        assertThat(inferno.unload("m", 2)).succeedsWithin(WAIT); // drains what it accepted
        inFlight.forEach(f -> failure(f));
        for (int i = 0; i < 5; i++) {
            assertThat(inferno.predict(request("m"))).succeedsWithin(WAIT);
        }
        assertThat(scrape(inferno)).doesNotContain("version=\"2\"")
                .contains("model_loaded{model=\"m\",version=\"1\"} 1");
    }

    @Test
    void cancellingAPredictionTakesItOutOfTheQueueAtOnce() throws Exception {
        model("m", 1); // max_concurrency 1
        Inferno inferno = start(builder());
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        probe.predictions("m").hold();
        // from another thread: an idle batcher runs the model on the calling thread, which the probe holds
        CompletableFuture<Prediction> running = CompletableFuture.supplyAsync(() -> inferno.predict(request("m")))
                .thenCompose(f -> f);
        probe.predictions("m").awaitArrivals(1); // the only slot is busy
        CompletableFuture<Prediction> queued = inferno.predict(request("m").withVersion(1));
        CompletableFuture<Prediction> unpinned = inferno.predict(request("m"));
        Await.until("two queued", () -> scrape(inferno).contains(
                "infer_queue_depth{model=\"m\",version=\"1\"} 2.0"));
        queued.cancel(false);
        unpinned.cancel(false);
        assertThat(scrape(inferno)).contains("infer_queue_depth{model=\"m\",version=\"1\"} 0.0");
        probe.predictions("m").release();
        assertThat(running).succeedsWithin(WAIT);
    }

    // ---- the builder

    @Test
    void oneBuilderBuildsIndependentInstances() throws Exception {
        model("m", 1);
        Inferno.Builder b = builder();
        Inferno a = start(b);
        Inferno c = start(b);
        assertThat(a.metricsRegistry()).isNotSameAs(c.metricsRegistry());
        assertThat(a.predict(request("m"))).succeedsWithin(WAIT);
        assertThat(c.predict(request("m"))).succeedsWithin(WAIT);
        assertThat(a.unload("m", 1)).succeedsWithin(WAIT);
        assertThat(c.model("m").loaded()).containsExactly(1L); // no shared default state store
    }

    @Test
    void aCloseDuringStartWaitsForItsSetUpAndAStartAfterCloseDoesNothing() throws Exception {
        model("m", 1);
        CountDownLatch subscribing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StateStore store = new ReconcileTest.NotifyingStore() { // start's reconciler subscribes first: held there
            @Override
            public void subscribe(Consumer<String> listener) {
                subscribing.countDown();
                try {
                    Await.open(release, "the test releasing start");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.subscribe(listener);
            }
        };
        Inferno inferno = start(builder().stateStore(store).startOnBuild(false));
        CompletableFuture<Inferno> starting = CompletableFuture.supplyAsync(inferno::start, side);
        Await.open(subscribing, "start subscribing");

        Thread closer = new Thread(inferno::close, "closer");
        closer.setDaemon(true);
        try {
            closer.start();
            // before the fix, close ran to the end here, shutting the executors down under the start that used them
            Await.until("close done, or waiting for start", () -> !closer.isAlive()
                    || closer.getState() == Thread.State.BLOCKED);
            assertThat(closer.isAlive()).as("close waits for start to finish setting up").isTrue();
        } finally {
            release.countDown(); // whatever failed, start and close can end (and the cleanup's close with them)
        }

        assertThat(starting).succeedsWithin(WAIT);
        closer.join(WAIT.toMillis());
        assertThat(closer.isAlive()).isFalse();
        assertThat(inferno.ready()).succeedsWithin(WAIT);
        assertThat(inferno.start()).isSameAs(inferno); // closed: nothing starts
        assertThat(cause(failure(inferno.predict(request("m"))))).isInstanceOf(OverloadedException.class);
    }
}
