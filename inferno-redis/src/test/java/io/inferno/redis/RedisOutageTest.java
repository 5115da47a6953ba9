package io.inferno.redis;

import static io.inferno.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.StateUnavailableException;
import io.inferno.state.DesiredState;
import io.inferno.state.ReplicaReport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store while its Redis goes away and comes back: this test owns its redis-server (embedded, even when
 * REDIS_URL is set), since it stops and restarts it.
 */
class RedisOutageTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private EmbeddedRedis redis;
    private final List<RedisStateStore> stores = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startRedis() {
        redis = EmbeddedRedis.start();
    }

    @AfterEach
    void stopAll() {
        stores.forEach(RedisStateStore::close);
        redis.close();
    }

    private RedisStateStore defaultStore() {
        RedisStateStore s = RedisStateStore.builder(redis.uri()).build();
        stores.add(s);
        return s;
    }

    private RedisStateStore store() {
        RedisStateStore s = RedisStateStore.builder(redis.uri()).commandTimeout(TIMEOUT)
                .maxReconnectDelay(Duration.ofMillis(500)).build();
        stores.add(s);
        return s;
    }

    @Test
    void duringAnOutageEveryCallFailsFastAndAfterItTheSameStoreWorksAgain() throws Exception {
        RedisStateStore store = defaultStore();
        RedisStateStore other = defaultStore();
        List<String> heard = new CopyOnWriteArrayList<>();
        other.subscribe(heard::add);
        store.update("m", s -> s.withLoadedActive(1));
        until("notification before the outage", () -> heard.contains("m"));

        redis.stop();
        long start = System.nanoTime();
        // fails fast: refused as disconnected, not after waiting out the command timeout
        assertThatThrownBy(() -> store.update("m", s -> s.withLoadedActive(2)))
                .isInstanceOf(StateUnavailableException.class)
                .hasMessageStartingWith("shared state unavailable: ")
                .message().doesNotContain("timed out");
        Duration failedIn = Duration.ofNanos(System.nanoTime() - start);
        assertThat(store.healthy()).isFalse();
        for (Runnable call : List.<Runnable>of(() -> store.get("m"), store::all, store::fleet,
                () -> store.heartbeat(new ReplicaReport("r", Map.of(), Instant.now())))) {
            assertThatThrownBy(call::run).isInstanceOf(StateUnavailableException.class)
                    .message().doesNotContain("timed out");
        }
        // its connections close too, though it made no call (noticed asynchronously, as the socket closes)
        until("the other store notices the outage", () -> !other.healthy());

        redis.restart();
        long back = System.nanoTime();
        DesiredState after = retryUntilAvailable(() -> store.update("m", s -> s.withLoadedActive(2)));
        Duration recoveredIn = Duration.ofNanos(System.nanoTime() - back);
        assertThat(after.revision()).isEqualTo(2); // the append-only file kept revision 1 through the restart
        until("healthy again once the pub/sub connection is back too", store::healthy);

        // both stores' pub/sub connections re-subscribe by themselves (a change published before that is not
        // heard: the reconciler's sweep covers that gap)
        RedisClient raw = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = raw.connect()) {
            String channel = RedisStateStore.DEFAULT_PREFIX + ":changes";
            Duration resubscribedIn = until("both stores subscribed again",
                    () -> c.sync().pubsubNumsub(channel).get(channel) == 2);
            heard.clear();
            store.update("m", s -> s.withLoadedActive(3));
            Duration heardIn = until("notification after the restart",
                    () -> heard.contains("m"));
            // the other store's command connection reconnects on its own schedule, apart from its pub/sub one
            assertThat(retryUntilAvailable(() -> other.get("m")).orElseThrow().revision()).isEqualTo(3);
            until("the other store healthy again", other::healthy);
            System.out.printf("outage: update failed after %d ms; after the restart, update worked again after %d ms,"
                    + " subscriptions were back after %d ms, a change was heard %d ms after it was made%n",
                    failedIn.toMillis(), recoveredIn.toMillis(), resubscribedIn.toMillis(), heardIn.toMillis());
        } finally {
            raw.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aRedisThatStopsAnsweringFailsCallsAfterTheCommandTimeout() throws Exception {
        RedisStateStore store = store();
        store.update("m", s -> s.withLoadedActive(1));
        ProcessHandle server = redis.process();
        Assumptions.assumeTrue(signal("STOP", server), "needs kill -STOP (a frozen server keeps its sockets open)");
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.update("m", s -> s.withLoadedActive(2)))
                    .isInstanceOf(StateUnavailableException.class).hasMessageContaining("timed out");
            Duration failedIn = Duration.ofNanos(System.nanoTime() - start);
            assertThat(failedIn).isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50)); // it did wait for the timeout
            assertThat(store.healthy()).isFalse();
            System.out.printf("frozen Redis: update failed after %d ms (command timeout %d ms)%n",
                    failedIn.toMillis(), TIMEOUT.toMillis());
        } finally {
            signal("CONT", server);
        }
        assertThat(store.update("m", s -> s.withLoadedActive(2)).revision()).isEqualTo(2);
        assertThat(store.healthy()).isTrue();
    }

    private static boolean signal(String signal, ProcessHandle process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        return kill.waitFor() == 0;
    }

    @Test
    void aStoreCreatedWhileRedisIsDownStartsUnhealthyAndConnectsWhenRedisAppears() throws Exception {
        redis.stop();
        RedisStateStore store = store(); // returns without Redis
        List<String> heard = new CopyOnWriteArrayList<>();
        store.subscribe(heard::add); // before it ever connected
        assertThat(store.healthy()).isFalse();
        assertThatThrownBy(() -> store.get("m")).isInstanceOf(StateUnavailableException.class)
                .hasMessage("shared state unavailable: not connected to " + redis.uri() + " yet");

        redis.restart();
        long back = System.nanoTime();
        retryUntilAvailable(() -> store.update("m", s -> s.withLoadedActive(1)));
        Duration usableIn = Duration.ofNanos(System.nanoTime() - back);
        assertThat(store.healthy()).isTrue(); // both connections were opened before the store was usable
        until("own notification", () -> heard.contains("m"));
        System.out.printf("store created while down: usable %d ms after Redis started%n", usableIn.toMillis());
    }

    @Test
    void closingAStoreThatNeverConnectedStopsItsConnector() throws Exception {
        redis.stop();
        RedisStateStore store = store();
        assertThat(connectorThreads()).isNotEmpty();
        store.close();
        until("connector thread ends", () -> connectorThreads().isEmpty());
    }

    private static List<Thread> connectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("inferno-redis-connect") && t.isAlive()).toList();
    }

    /**
     * Retries {@code call} while it fails with StateUnavailableException (nothing signals a reconnection), for at
     * most {@link io.inferno.testing.Await#LIMIT}.
     */
    private static <T> T retryUntilAvailable(java.util.function.Supplier<T> call) throws InterruptedException {
        long end = System.nanoTime() + io.inferno.testing.Await.LIMIT.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (StateUnavailableException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
