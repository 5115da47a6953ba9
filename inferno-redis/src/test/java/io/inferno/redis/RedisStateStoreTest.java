package io.inferno.redis;

import static io.inferno.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.StateUnavailableException;
import io.inferno.state.DesiredState;
import io.inferno.state.ReplicaReport;
import io.inferno.testing.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Redis store against a real Redis: layout, atomic updates, notifications, heartbeats. */
class RedisStateStoreTest {
    private static RedisClient rawClient;
    private static RedisCommands<String, String> redisCli; // what an operator sees with redis-cli

    private final String prefix = EmbeddedRedis.uniquePrefix();
    private final List<RedisStateStore> stores = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void connectRaw() {
        rawClient = RedisClient.create(EmbeddedRedis.sharedUri());
        StatefulRedisConnection<String, String> c = rawClient.connect();
        redisCli = c.sync();
    }

    @AfterAll
    static void closeRaw() {
        rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisStateStore::close);
    }

    private RedisStateStore store() {
        return store(RedisStateStore.builder(EmbeddedRedis.sharedUri()).prefix(prefix));
    }

    private RedisStateStore store(RedisStateStore.Builder b) {
        RedisStateStore s = b.build();
        stores.add(s);
        return s;
    }

    @Test
    void anUpdateIsReadBackByGetAndAll() {
        RedisStateStore store = store();
        DesiredState written = store.update("m", s -> s.withLoadedActive(1).withLoadedActive(2));

        assertThat(written.active()).hasValue(2);
        assertThat(written.loaded()).containsExactly(1L, 2L);
        assertThat(written.revision()).isEqualTo(1); // the store counts one update, whatever the change did
        assertThat(store.get("m")).contains(written);
        assertThat(store.all()).isEqualTo(Map.of("m", written));
        assertThat(store.healthy()).isTrue();
    }

    @Test
    void aModelNeverRecordedIsAbsentAndStartsFromEmpty() {
        RedisStateStore store = store();
        assertThat(store.get("never")).isEmpty();
        assertThat(store.all()).isEmpty();
        assertThat(store.update("never", s -> {
            assertThat(s).isEqualTo(DesiredState.EMPTY);
            return s;
        }).revision()).isEqualTo(1);
    }

    @Test
    void theStateIsAHashWithTheDocumentedFields() {
        RedisStateStore store = store();
        store.update("resnet", s -> s.withLoadedActive(3));
        store.update("resnet", s -> s.withLoadedActive(12));

        String key = prefix + ":model:resnet";
        assertThat(redisCli.type(key)).isEqualTo("hash");
        assertThat(redisCli.hgetall(key)).isEqualTo(Map.of("active", "12", "loaded", "3,12", "revision", "2"));

        store.update("resnet", s -> s.withUnloaded(12).withUnloaded(3));
        assertThat(redisCli.hgetall(key)).isEqualTo(Map.of("active", "", "loaded", "", "revision", "3"));
    }

    @Test
    void aStateWrittenWithRedisCliIsRead() {
        redisCli.hset(prefix + ":model:m", Map.of("active", "7", "loaded", "5,7", "revision", "41"));
        assertThat(store().get("m")).contains(new DesiredState(OptionalLong.of(7), new TreeSet<>(List.of(5L, 7L)), 41));
    }

    @Test
    void storesWithDifferentPrefixesDoNotSeeEachOther() {
        RedisStateStore mine = store();
        RedisStateStore other = store(RedisStateStore.builder(EmbeddedRedis.sharedUri()).prefix(prefix + "*x"));
        mine.update("m", s -> s.withLoadedActive(1));
        other.update("n", s -> s.withLoadedActive(1));

        assertThat(mine.all()).containsOnlyKeys("m");
        assertThat(other.all()).containsOnlyKeys("n");
    }

    @Test
    void aMalformedHashIsSkippedByAllAndReportedByGet() {
        RedisStateStore store = store();
        store.update("good", s -> s.withLoadedActive(1));
        redisCli.hset(prefix + ":model:bad", Map.of("active", "x", "loaded", "1", "revision", "1"));

        assertThat(store.all()).containsOnlyKeys("good");
        assertThatThrownBy(() -> store.get("bad")).isInstanceOf(StateUnavailableException.class)
                .hasMessageContaining("malformed desired state in " + prefix + ":model:bad");
    }

    @Test
    void concurrentUpdatesFromTwoStoresLoseNothing() throws Exception {
        RedisStateStore a = store();
        RedisStateStore b = store();
        int perThread = 300;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            // thread a adds versions 1..300, thread b 1001..1300: a lost update would lose a version
            Future<?> fa = threads.submit(() -> addVersions(a, go, 1, perThread));
            Future<?> fb = threads.submit(() -> addVersions(b, go, 1001, perThread));
            go.countDown();
            fa.get(Await.LIMIT.toSeconds(), TimeUnit.SECONDS);
            fb.get(Await.LIMIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }

        DesiredState end = a.get("m").orElseThrow();
        assertThat(end.revision()).isEqualTo(2L * perThread);
        Set<Long> expected = new TreeSet<>();
        LongStream.rangeClosed(1, perThread).forEach(expected::add);
        LongStream.rangeClosed(1001, 1000 + perThread).forEach(expected::add);
        assertThat(end.loaded()).isEqualTo(expected);
    }

    private static Void addVersions(RedisStateStore store, CountDownLatch go, long first, int count)
            throws InterruptedException {
        Await.open(go, "start");
        for (long v = first; v < first + count; v++) {
            long version = v;
            store.update("m", s -> s.withLoadedActive(version));
        }
        return null;
    }

    @Test
    void anotherStoresSubscriberHearsEveryChange() throws Exception {
        RedisStateStore writer = store();
        RedisStateStore reader = store();
        List<String> heard = new CopyOnWriteArrayList<>();
        reader.subscribe(heard::add);

        long start = System.nanoTime();
        writer.update("m", s -> s.withLoadedActive(1));
        until("notification", () -> heard.contains("m"));
        long tookNanos = System.nanoTime() - start;
        writer.update("other", s -> s.withLoadedActive(1));
        until("second notification", () -> heard.contains("other"));

        assertThat(heard).containsExactly("m", "other");
        System.out.printf("notification heard %d us after the update started%n", tookNanos / 1000);
    }

    @Test
    void aFailedCompareAndSetPublishesNothing() throws Exception {
        RedisStateStore writer = store();
        RedisStateStore reader = store();
        List<String> heard = new CopyOnWriteArrayList<>();
        reader.subscribe(heard::add);
        // the change writes behind the store's back once, so the first compare-and-set loses
        boolean[] interfered = {false};
        writer.update("m", s -> {
            if (!interfered[0]) {
                interfered[0] = true;
                redisCli.hset(prefix + ":model:m", "revision", "5");
            }
            return s.withLoadedActive(1);
        });
        // notifications from one writer arrive in order: once the next change is heard, a second message for the
        // first change would have been heard before it
        writer.update("next", s -> s.withLoadedActive(1));
        until("notification of the next change", () -> heard.contains("next"));

        assertThat(heard).containsExactly("m", "next"); // one write, one message
        assertThat(writer.get("m").orElseThrow().revision()).isEqualTo(6);
    }

    @Test
    void heartbeatsAreListedUntilTheyExpire() throws Exception {
        Duration ttl = Duration.ofSeconds(30); // longer than the test: the expiry is brought forward below
        RedisStateStore a = store(RedisStateStore.builder(EmbeddedRedis.sharedUri()).prefix(prefix).heartbeatTtl(ttl));
        RedisStateStore b = store(RedisStateStore.builder(EmbeddedRedis.sharedUri()).prefix(prefix).heartbeatTtl(ttl));
        Instant at = Instant.parse("2025-01-02T03:04:05.678Z");
        ReplicaReport ra = new ReplicaReport("replica-a", Map.of("m", List.of(1L, 2L), "n", List.of()), at);
        ReplicaReport rb = new ReplicaReport("replica-b", Map.of("m", List.of(2L)), at);
        a.heartbeat(ra);
        b.heartbeat(rb);

        assertThat(a.fleet()).containsExactly(ra, rb);
        String key = prefix + ":replica:replica-a";
        assertThat(redisCli.get(key))
                .isEqualTo("{\"replica\":\"replica-a\",\"loaded\":{\"m\":[1,2],\"n\":[]},\"at\":\"" + at + "\"}");
        assertThat(redisCli.pttl(key)).isBetween(1L, ttl.toMillis());

        // as if the TTL had run out, without waiting for it
        redisCli.pexpire(key, 1);
        until("replica-a's heartbeat expires", () -> a.fleet().equals(List.of(rb)));
        redisCli.pexpire(prefix + ":replica:replica-b", 1);
        until("every heartbeat expires", () -> a.fleet().isEmpty());
    }

    @Test
    void aRenewedHeartbeatStaysListed() throws Exception {
        Duration ttl = Duration.ofSeconds(30);
        RedisStateStore a = store(RedisStateStore.builder(EmbeddedRedis.sharedUri()).prefix(prefix).heartbeatTtl(ttl));
        String key = prefix + ":replica:r";
        for (int i = 0; i < 3; i++) {
            a.heartbeat(new ReplicaReport("r", Map.of(), Instant.now()));
            assertThat(redisCli.pttl(key)).as("TTL after heartbeat %d", i).isGreaterThan(1_000L)
                    .isLessThanOrEqualTo(ttl.toMillis());
            assertThat(a.fleet()).hasSize(1);
            redisCli.pexpire(key, 1_000); // most of the TTL has run out: the next heartbeat must renew it
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        RedisStateStore store = store();
        store.close();
        store.close();
        assertThat(store.healthy()).isFalse();
        assertThatThrownBy(() -> store.get("m")).isInstanceOf(StateUnavailableException.class)
                .hasMessage("shared state unavailable: the store is closed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost:6379", "http://localhost:6379", "redis://", "redis://h:notaport",
            "redis://h:1/abc", "redis://h:99999", " redis://h:1"})
    void anInvalidUriIsRefusedWithItsValue(String uri) {
        assertThatThrownBy(() -> RedisStateStore.builder(uri)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid Redis URI '" + uri + "'");
    }

    @Test
    void aRefusedUriDoesNotShowItsPassword() {
        assertThatThrownBy(() -> RedisStateStore.builder("redis://:s3cret@h:1/abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid Redis URI 'redis://***@h:1/abc'")
                .message().doesNotContain("s3cret");
    }

    @Test
    void invalidSettingsAreRefusedWithTheirValue() {
        RedisStateStore.Builder b = RedisStateStore.builder("redis://localhost:6379/0");
        assertThatThrownBy(() -> b.prefix(" ")).hasMessage("prefix must be non-empty without white space, got ' '");
        assertThatThrownBy(() -> b.commandTimeout(Duration.ZERO))
                .hasMessage("command timeout must be positive, got PT0S");
        assertThatThrownBy(() -> b.heartbeatTtl(Duration.ofSeconds(-1)))
                .hasMessage("heartbeat TTL must be positive, got PT-1S");
        assertThatThrownBy(() -> store().get("")).isInstanceOf(IllegalArgumentException.class);
    }
}
