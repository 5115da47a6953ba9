package io.inferno.internal;

import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.runtime.Device;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import io.inferno.state.DesiredState;
import io.inferno.testing.FakeTicker;
import io.inferno.testing.ManualScheduler;
import io.inferno.testing.ModelProbe;
import io.inferno.testing.ScalingModel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules of one model's state machine, applied directly. */
class ModelEntryTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path repo;

    private ModelProbe probe;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private ModelEntry entry;

    @BeforeEach
    void setUp() {
        probe = ModelProbe.open(repo);
        for (long v = 1; v <= 3; v++) {
            writeYaml(repo.resolve("m/" + v), ScalingModel.yaml("m", v, 8));
        }
        Runtimes runtimes = Runtimes.discovered(getClass().getClassLoader());
        RepositorySnapshot snapshot = new RepositoryScanner(runtimes.configParser()).scan(repo);
        FakeTicker ticker = new FakeTicker();
        VersionLoader versions = VersionLoader.of(
                new ModelLoader(runtimes, new RuntimeOptions(Device.CPU, OptionalInt.empty(), OptionalInt.empty())),
                ticker, new ManualScheduler(ticker), pool,
                new EngineMetrics(new PrometheusRegistry(), EngineMetrics.DEFAULT_LATENCY_BUCKETS));
        entry = new ModelEntry("m", snapshot.versions("m"), List.of(), versions, pool);
    }

    @AfterEach
    void tearDown() {
        probe.close();
        entry.close();
        pool.shutdownNow();
    }

    private void loaded(long... versions) {
        for (long v : versions) {
            assertThat(entry.ensureLoaded(v)).succeedsWithin(WAIT);
        }
    }

    private static DesiredState state(long active, long revision, Long... loaded) {
        return new DesiredState(active == 0 ? OptionalLong.empty() : OptionalLong.of(active),
                new TreeSet<>(List.of(loaded)), revision);
    }

    @Test
    void byDefaultTheHighestVersionOnDiskIsActive() {
        assertThat(entry.view().active()).hasValue(3);
        assertThat(entry.resolve(OptionalLong.empty())).succeedsWithin(WAIT)
                .extracting(LoadedVersion::version).isEqualTo(3L);
    }

    @Test
    void applyingADesiredStateActivatesKeepsWhatItListsAndRetiresTheRest() {
        loaded(1, 2, 3);
        ModelEntry.Applied applied = entry.apply(state(1, 1, 1L, 2L), 0);
        assertThat(applied.stale()).isFalse();
        assertThat(entry.view().active()).hasValue(1);
        assertThat(entry.view().loaded()).containsOnlyKeys(1L, 2L);
        assertThat(applied.releases()).hasSize(1).allSatisfy(f -> assertThat(f).succeedsWithin(WAIT));
        assertThat(probe.closed("m:3")).isEqualTo(1);
    }

    @Test
    void aStateOlderThanOneAppliedSinceTheReadIsIgnored() {
        loaded(1, 2);
        long before = entry.appliedRevision();
        assertThat(entry.apply(state(2, 3, 1L, 2L), before).stale()).isFalse(); // a newer change lands first
        assertThat(entry.apply(state(1, 2, 1L), before).stale()).isTrue(); // the stale read arrives
        assertThat(entry.view().active()).hasValue(2);
        assertThat(entry.view().loaded()).containsOnlyKeys(1L, 2L);
    }

    @Test
    void aStoreWhoseRevisionsWentBackwardsIsStillFollowed() {
        loaded(1, 2);
        entry.apply(state(2, 9, 1L, 2L), 0);
        long before = entry.appliedRevision(); // nothing applied since this read
        assertThat(entry.apply(state(1, 1, 1L), before).stale()).isFalse();
        assertThat(entry.view().active()).hasValue(1);
    }

    @Test
    void aVersionAnAdminLoadIsActivatingSurvivesAStateThatDoesNotListIt() {
        loaded(1, 3);
        entry.pin(3);
        entry.apply(state(1, 1, 1L), 0);
        assertThat(entry.view().loaded()).containsOnlyKeys(1L, 3L);
        entry.unpin(3);
        entry.apply(state(1, 2, 1L), entry.appliedRevision());
        assertThat(entry.view().loaded()).containsOnlyKeys(1L);
    }

    @Test
    void aDesiredActiveVersionThatIsNotLoadedHereLeavesTheCurrentOneServing() {
        loaded(3);
        entry.apply(state(2, 1, 2L), 0); // 2 failed or is missing here
        assertThat(entry.view().active()).hasValue(3);
        assertThat(entry.view().loaded()).containsOnlyKeys(3L);
    }

    @Test
    void unloadingTheActiveVersionActivatesTheHighestRemainingAndNothingReloads() {
        loaded(1, 2, 3);
        assertThat(entry.unload(3)).succeedsWithin(WAIT);
        assertThat(entry.view().active()).hasValue(2);
        assertThat(entry.unload(2)).succeedsWithin(WAIT);
        assertThat(entry.unload(1)).succeedsWithin(WAIT);
        assertThat(entry.view().active()).isEmpty();
        assertThat(entry.resolve(OptionalLong.empty())).failsWithin(WAIT);
        assertThat(probe.created("m:3")).isEqualTo(1);
    }

    @Test
    void aRescanThatFindsTheFoldersGoneNeverUnloads() {
        loaded(1);
        entry.rescanned(List.of(), List.of()); // every folder gone
        assertThat(entry.view().loaded()).containsOnlyKeys(1L);
        assertThat(entry.onDisk(1)).isFalse();
        assertThat(entry.resolve(OptionalLong.of(1))).succeedsWithin(WAIT);
    }
}
