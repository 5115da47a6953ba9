package io.inferno.redis;

import io.inferno.StateUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's two Redis connections (commands, and pub/sub for change notifications) and their life cycle.
 *
 * <h2>Connecting</h2>
 * Lettuce's {@code RedisClient.connect} throws when the server is down, and it reconnects by itself only a
 * connection that was once established. So the constructor tries once, and when that fails a daemon thread retries
 * every {@code maxReconnectDelay} until both connections are up; until then every call fails at once with
 * {@link StateUnavailableException}. Once connected, Lettuce's watchdog reconnects after any outage, with a delay
 * growing from 100 ms to {@code maxReconnectDelay}, and re-subscribes the pub/sub channel.
 *
 * <h2>Failing fast</h2>
 * Commands time out after the command timeout, and while a connection is down commands are rejected at once
 * ({@code DisconnectedBehavior.REJECT_COMMANDS}) instead of being buffered for replay: a write reported as failed
 * is never applied later by a reconnect. (A command that times out may still have reached Redis; that is the one
 * ambiguity left, as with any remote store.)
 *
 * <h2>Threads</h2>
 * {@code connections} and {@code closed} are written under {@code lock} and read without it (volatile); nothing
 * blocks under the lock. Listeners run on a Lettuce I/O thread and must not block.
 */
final class RedisLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);

    private record Connections(StatefulRedisConnection<String, String> commands,
            StatefulRedisPubSubConnection<String, String> pubsub) {
        boolean open() {
            return commands.isOpen() && pubsub.isOpen();
        }

        void close() {
            commands.close();
            pubsub.close();
        }
    }

    private final RedisURI uri;
    private final String shown; // the URI for messages, without its password
    private final String channel;
    private final Duration retryDelay;
    private final ClientResources resources;
    private final RedisClient client;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile Connections connections; // guarded by lock (writes); null until connected
    private volatile boolean closed; // guarded by lock (writes)
    private volatile boolean lastCallSucceeded;
    private volatile Thread connector;

    RedisLink(RedisURI uri, String shown, String channel, Duration commandTimeout, Duration maxReconnectDelay) {
        this.uri = uri;
        this.shown = shown;
        this.channel = channel;
        this.retryDelay = maxReconnectDelay;
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(min(Duration.ofMillis(100), maxReconnectDelay.dividedBy(2)),
                        maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .build());
        if (!tryConnect(true)) {
            Thread t = new Thread(this::connectUntilUp, "inferno-redis-connect");
            t.setDaemon(true);
            connector = t;
            t.start();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Runs {@code command} on the shared command connection, translating every Redis failure into
     * {@link StateUnavailableException}. {@code what} names the operation in the message.
     */
    <T> T call(String what, Function<RedisCommands<String, String>, T> command) {
        Connections c = connections;
        if (closed) {
            throw unavailable("the store is closed", null);
        }
        if (c == null) {
            lastCallSucceeded = false;
            throw unavailable("not connected to " + shown + " yet", null);
        }
        try {
            T result = command.apply(c.commands().sync());
            lastCallSucceeded = true;
            return result;
        } catch (RedisCommandExecutionException e) {
            // the server answered, with an error (a script error, a key of the wrong type): it is reachable
            lastCallSucceeded = true;
            throw unavailable(what + " failed on " + shown + ": " + e.getMessage(), e);
        } catch (RedisException e) {
            lastCallSucceeded = false;
            if (e instanceof RedisCommandInterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw unavailable(what + " failed on " + shown + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (closed) { // closed while the command ran: Lettuce reports its stopped timer
                throw unavailable("the store is closed", e);
            }
            throw e;
        }
    }

    static StateUnavailableException unavailable(String reason, Throwable cause) {
        return new StateUnavailableException("shared state unavailable: " + reason, cause);
    }

    void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Both connections are open and the last call got an answer. */
    boolean healthy() {
        Connections c = connections;
        return c != null && lastCallSucceeded && c.open();
    }

    private boolean tryConnect(boolean first) {
        Connections opened;
        try {
            opened = open();
        } catch (RedisException e) {
            if (first) {
                LOG.warn("Redis at {} unreachable; retrying every {} in the background: {}", shown, retryDelay,
                        e.getMessage());
            }
            return false;
        }
        synchronized (lock) {
            if (!closed) {
                connections = opened;
                lastCallSucceeded = true;
                opened = null;
            }
        }
        if (opened != null) {
            opened.close(); // closed while connecting
        } else {
            LOG.info("connected to Redis at {}; listening on {}", shown, channel);
        }
        return true;
    }

    private Connections open() {
        StatefulRedisConnection<String, String> commands = client.connect(StringCodec.UTF8, uri);
        StatefulRedisPubSubConnection<String, String> pubsub = null;
        try {
            pubsub = client.connectPubSub(StringCodec.UTF8, uri);
            pubsub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String model) {
                    notifyListeners(model);
                }
            });
            pubsub.sync().subscribe(channel);
            return new Connections(commands, pubsub);
        } catch (RuntimeException e) {
            commands.close();
            if (pubsub != null) {
                pubsub.close();
            }
            throw e;
        }
    }

    private void notifyListeners(String model) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(model);
            } catch (RuntimeException e) {
                LOG.warn("a state change listener failed for model {}", model, e);
            }
        }
    }

    private void connectUntilUp() {
        while (!closed) {
            try {
                Thread.sleep(retryDelay.toMillis());
            } catch (InterruptedException e) {
                return; // closed
            }
            if (closed || tryConnect(false)) {
                return;
            }
        }
    }

    /** Closes both connections, then the client and its threads (waiting at most 2 s). Idempotent. */
    @Override
    public void close() {
        Connections c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = connections;
        }
        Thread t = connector;
        if (t != null) {
            t.interrupt();
        }
        try {
            if (c != null) {
                c.close();
            }
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
