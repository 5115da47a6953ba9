package io.inferno.http;

import ch.qos.logback.classic.Level;
import io.inferno.Inferno;
import io.inferno.redis.RedisStateStore;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar inferno-server.jar}: reads the settings from the environment, loads the repository, serves it,
 * and shuts down gracefully on SIGTERM. Exit status 2 for invalid settings, 1 when the server cannot start.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        ServerSettings settings;
        try {
            settings = ServerSettings.fromEnvironment(System.getenv());
        } catch (ServerSettings.InvalidSettingsException e) {
            System.err.println("inferno: " + e.getMessage());
            System.exit(2);
            return;
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.inferno"))
                .setLevel(Level.toLevel(settings.logLevel()));
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("starting with {}", settings);
        InfernoServer server;
        try {
            server = InfernoServer.start(settings, inferno(settings));
        } catch (IllegalArgumentException e) {
            log.error("cannot start: {}", e.getMessage()); // a setting that does not fit the machine
            System.exit(1);
            return;
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "inferno-shutdown"));
    }

    static Inferno inferno(ServerSettings settings) {
        StateStore store = settings.redisUrl()
                .<StateStore>map(url -> RedisStateStore.builder(url).prefix(settings.redisPrefix()).build())
                .orElseGet(InMemoryStateStore::new);
        Inferno.Builder builder = Inferno.builder();
        settings.replicaId().ifPresent(builder::replicaId);
        return builder
                .repository(settings.repoRoot())
                .device(settings.device())
                .preload(settings.preload())
                .latencyBuckets(settings.metricsBuckets())
                .stateStore(store)
                .reconcile(settings.reconcileEnabled())
                .reconcileInterval(settings.reconcileInterval())
                .repositoryPollInterval(settings.repoPollInterval())
                .build();
    }
}
