package io.inferno.redis;

import io.inferno.StateUnavailableException;
import io.inferno.state.DesiredState;
import io.inferno.state.ReplicaReport;
import io.inferno.state.StateStore;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired state of every model, shared by all replicas through Redis, so that one admin call steers the fleet.
 *
 * <pre>{@code
 * StateStore store = RedisStateStore.builder("redis://redis:6379/0").build();
 * Inferno inferno = Inferno.builder().repository(models).stateStore(store).build(); // Inferno closes the store
 * }</pre>
 *
 * <h2>Layout</h2>
 * Under a prefix ({@value #DEFAULT_PREFIX} by default): a hash {@code <prefix>:model:<name>} per model with fields
 * {@code active} (a version, or empty), {@code loaded} (ascending versions, comma-separated) and {@code revision}; a
 * pub/sub channel {@code <prefix>:changes} on which every update publishes the model's name; and a heartbeat
 * {@code <prefix>:replica:<id>} per replica, a JSON string that expires after the heartbeat TTL. {@link #all()}
 * and {@link #fleet()} walk the keys with SCAN, never KEYS.
 *
 * <h2>Atomic update: compare-and-set on the revision</h2>
 * The change is Java code, so it cannot run inside Redis. {@link #update} reads the hash, applies the change, and
 * runs a Lua script that writes the new fields and publishes the notification only if {@code revision} still
 * holds the value it read; otherwise it reads again and retries (at most {@value #MAX_UPDATE_ATTEMPTS} times,
 * with a pause of a few random milliseconds that breaks lockstep between replicas). Redis runs a script
 * atomically, so of two writers that read the same revision exactly one writes; the other retries on the newer
 * state, and no update is lost. The store, not the change, sets the new revision: one more than the one read.
 *
 * <p>WATCH/MULTI/EXEC would do the same, but a transaction belongs to a connection and Lettuce shares one
 * connection among threads: every update would need a dedicated connection and a lock held across network round
 * trips. The script works on the shared connection without a lock, and publishes in the same atomic step, so a
 * notification goes out exactly when a write happened.
 *
 * <h2>Failures</h2>
 * Every method but {@link #subscribe} and {@link #healthy} throws {@link StateUnavailableException} when Redis
 * cannot be reached, after at most the command timeout (at once while the connection is known to be down). The
 * store connects in the background when Redis is down at construction, reconnects by itself after an outage, and
 * re-subscribes to the change channel. {@link #healthy()} is true when both connections are open and the last call
 * got an answer.
 */
public final class RedisStateStore implements StateStore {
    /** The key prefix unless {@link Builder#prefix} says otherwise. */
    public static final String DEFAULT_PREFIX = "inferno:model_state";

    static final int MAX_UPDATE_ATTEMPTS = 100;
    private static final int SCAN_COUNT = 200;
    private static final Logger LOG = LoggerFactory.getLogger(RedisStateStore.class);

    /**
     * KEYS[1] the model hash; ARGV: expected revision, active, loaded, new revision, channel, model name. Returns 1
     * when written (and published), 0 when the revision moved.
     */
    static final String COMPARE_AND_SET = """
            local current = redis.call('HGET', KEYS[1], 'revision')
            if tonumber(current or '0') ~= tonumber(ARGV[1]) then
              return 0
            end
            redis.call('HSET', KEYS[1], 'active', ARGV[2], 'loaded', ARGV[3], 'revision', ARGV[4])
            redis.call('PUBLISH', ARGV[5], ARGV[6])
            return 1
            """;

    private final Keys keys;
    private final Duration heartbeatTtl;
    private final RedisLink link;

    private RedisStateStore(Builder b) {
        this.keys = new Keys(b.prefix);
        this.heartbeatTtl = b.heartbeatTtl;
        RedisURI uri = RedisURI.builder(b.uri).withTimeout(b.commandTimeout).build();
        this.link = new RedisLink(uri, b.shown, keys.changes(), b.commandTimeout, b.maxReconnectDelay);
    }

    /**
     * A builder for a store on the Redis at {@code uri}, such as {@code redis://localhost:6379/0} or
     * {@code rediss://:password@host:6380/2}.
     *
     * @throws IllegalArgumentException when {@code uri} is not a redis:// or rediss:// URI with a host
     */
    public static Builder builder(String uri) {
        return new Builder(parse(uri), redact(uri));
    }

    @Override
    public Optional<DesiredState> get(String model) {
        String key = keys.model(requireName(model));
        Map<String, String> hash = link.call("HGETALL " + key, c -> c.hgetall(key));
        return hash.isEmpty() ? Optional.empty() : Optional.of(decode(key, hash));
    }

    /** Every recorded model's desired state; a hash that cannot be decoded is skipped with a warning. */
    @Override
    public Map<String, DesiredState> all() {
        return link.call("SCAN " + keys.modelPattern(), c -> {
            Map<String, DesiredState> out = new TreeMap<>();
            for (String key : scan(c, keys.modelPattern())) {
                Map<String, String> hash = c.hgetall(key);
                if (hash.isEmpty()) {
                    continue; // deleted since the scan saw it
                }
                try {
                    out.put(keys.modelName(key), StateCodec.desiredState(key, hash));
                } catch (IllegalArgumentException e) {
                    LOG.warn("skipping {}", e.getMessage());
                }
            }
            return Collections.unmodifiableMap(out);
        });
    }

    /**
     * Applies {@code change} to the current state and writes the result if no other writer came first, retrying
     * otherwise; {@code change} may therefore run more than once and must have no side effects. The returned
     * state carries the revision the store gave it.
     *
     * @throws StateUnavailableException when Redis cannot be reached, the recorded state cannot be decoded, or
     *         other writers won {@value #MAX_UPDATE_ATTEMPTS} times in a row
     */
    @Override
    public DesiredState update(String model, UnaryOperator<DesiredState> change) {
        String key = keys.model(requireName(model));
        Objects.requireNonNull(change, "change");
        for (int attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
            DesiredState current = decode(key, link.call("HGETALL " + key, c -> c.hgetall(key)));
            DesiredState next = Objects.requireNonNull(change.apply(current), "change returned null");
            DesiredState written = new DesiredState(next.active(), next.loaded(), current.revision() + 1);
            Long won = link.call("compare-and-set of " + key, c -> c.eval(COMPARE_AND_SET, ScriptOutputType.INTEGER,
                    new String[] {key}, Long.toString(current.revision()), StateCodec.active(written),
                    StateCodec.loaded(written), Long.toString(written.revision()), keys.changes(), model));
            if (won != null && won == 1L) {
                return written;
            }
            pause(attempt);
        }
        throw RedisLink.unavailable("model " + model + " was changed by other writers " + MAX_UPDATE_ATTEMPTS
                + " times in a row; giving up", null);
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(Math.min(attempt, 10) + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RedisLink.unavailable("interrupted while retrying an update", e);
        }
    }

    /**
     * Calls {@code listener} with a model's name whenever any replica (this one included) changes it. The
     * subscription outlives outages; notifications published during an outage are lost, which the reconciler's
     * periodic sweep repairs. The listener runs on a Redis I/O thread: it must hand work off, not block.
     */
    @Override
    public void subscribe(Consumer<String> listener) {
        link.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /** Records {@code report} under {@code <prefix>:replica:<id>}, expiring after the heartbeat TTL. */
    @Override
    public void heartbeat(ReplicaReport report) {
        String key = keys.replica(report.replica());
        String json = StateCodec.heartbeat(report);
        link.call("SET " + key, c -> c.set(key, json, SetArgs.Builder.px(heartbeatTtl.toMillis())));
    }

    /** Every unexpired heartbeat, sorted by replica id; one that cannot be decoded is skipped with a warning. */
    @Override
    public List<ReplicaReport> fleet() {
        return link.call("SCAN " + keys.replicaPattern(), c -> {
            List<String> found = scan(c, keys.replicaPattern());
            if (found.isEmpty()) {
                return List.of();
            }
            List<ReplicaReport> out = new ArrayList<>();
            for (KeyValue<String, String> kv : c.mget(found.toArray(String[]::new))) {
                if (!kv.hasValue()) {
                    continue; // expired since the scan saw it
                }
                try {
                    out.add(StateCodec.report(kv.getKey(), kv.getValue()));
                } catch (IllegalArgumentException e) {
                    LOG.warn("skipping {}", e.getMessage());
                }
            }
            out.sort(Comparator.comparing(ReplicaReport::replica));
            return List.copyOf(out);
        });
    }

    /** Whether both connections are open and the last call got an answer from Redis. */
    @Override
    public boolean healthy() {
        return link.healthy();
    }

    /** Closes the connections and the client's threads; idempotent. */
    @Override
    public void close() {
        link.close();
    }

    private static List<String> scan(RedisCommands<String, String> c, String pattern) {
        Set<String> found = new LinkedHashSet<>(); // SCAN may return a key twice
        ScanIterator<String> it = ScanIterator.scan(c, ScanArgs.Builder.matches(pattern).limit(SCAN_COUNT));
        while (it.hasNext()) {
            found.add(it.next());
        }
        return new ArrayList<>(found);
    }

    private static DesiredState decode(String key, Map<String, String> hash) {
        try {
            return StateCodec.desiredState(key, hash);
        } catch (IllegalArgumentException e) {
            throw RedisLink.unavailable(e.getMessage(), e);
        }
    }

    private static String requireName(String model) {
        if (model == null || model.isEmpty()) {
            throw new IllegalArgumentException("model name must not be empty, got " + (model == null ? "null"
                    : "\"\""));
        }
        return model;
    }

    private static RedisURI parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        String shown = redact(uri);
        try {
            URI u = new URI(uri);
            if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
                throw new IllegalArgumentException("the scheme must be redis or rediss");
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                throw new IllegalArgumentException("a host is required");
            }
            return RedisURI.create(uri);
        } catch (URISyntaxException | IllegalArgumentException e) { // NumberFormatException too (database)
            throw new IllegalArgumentException("invalid Redis URI '" + shown + "' (expected redis://host:port/db): "
                    + String.valueOf(e.getMessage()).replace(uri, shown), e);
        }
    }

    /** The URI with any password hidden, for messages. */
    static String redact(String uri) {
        return uri.replaceFirst("(?<=://)[^@/]*@", "***@");
    }

    /** Settings of a {@link RedisStateStore}; each has a default but the URI. */
    public static final class Builder {
        private final RedisURI uri;
        private final String shown;
        private String prefix = DEFAULT_PREFIX;
        private Duration commandTimeout = Duration.ofSeconds(1);
        private Duration heartbeatTtl = Duration.ofSeconds(15);
        private Duration maxReconnectDelay = Duration.ofSeconds(1);

        private Builder(RedisURI uri, String shown) {
            this.uri = uri;
            this.shown = shown;
        }

        /** The prefix of every key and of the channel (default {@value RedisStateStore#DEFAULT_PREFIX}). */
        public Builder prefix(String p) {
            if (p == null || p.isBlank() || p.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("prefix must be non-empty without white space, got '" + p + "'");
            }
            this.prefix = p;
            return this;
        }

        /**
         * How long one Redis command may take before the call fails with {@link StateUnavailableException}
         * (default 1 s); also the connect timeout.
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive("command timeout", timeout);
            return this;
        }

        /**
         * How long a heartbeat stays listed in {@link #fleet()} (default 15 s). Make it a few reconcile intervals,
         * since each sweep renews it.
         */
        public Builder heartbeatTtl(Duration ttl) {
            this.heartbeatTtl = positive("heartbeat TTL", ttl);
            if (ttl.toMillis() < 1) {
                throw new IllegalArgumentException("heartbeat TTL must be at least 1 ms, got " + ttl);
            }
            return this;
        }

        /**
         * The longest pause between two attempts to reach Redis after an outage, or while connecting for the first
         * time (default 1 s): how soon after Redis is back the store works again.
         */
        public Builder maxReconnectDelay(Duration delay) {
            this.maxReconnectDelay = positive("max reconnect delay", delay);
            if (delay.toMillis() < 2) {
                throw new IllegalArgumentException("max reconnect delay must be at least 2 ms, got " + delay);
            }
            return this;
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }

        /**
         * The store. It tries to connect once before returning; when Redis is down it returns all the same, unhealthy,
         * and keeps connecting in the background.
         */
        public RedisStateStore build() {
            return new RedisStateStore(this);
        }
    }
}
