package io.inferno.http;

import ch.qos.logback.classic.Level;
import io.inferno.Inferno;
import io.inferno.grpc.GrpcServer;
import io.inferno.grpc.GrpcSettings;
import io.inferno.redis.RedisStateStore;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.StateStore;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar inferno-server.jar}: reads the settings from the environment, loads the repository, serves it
 * over REST and (unless {@code GRPC_PORT=off}) over the Open Inference Protocol's gRPC binding, and shuts both down
 * gracefully on SIGTERM. Exit status 2 for invalid settings, 1 when the server cannot start.
 *
 * <p>{@code java -jar inferno-server.jar check [--json] <repository>} checks a model repository instead and exits
 * ({@link Check}).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0) {
            System.exit(Check.main(args)); // the one subcommand, check; without arguments the server starts
            return;
        }
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
        Inferno inferno;
        try {
            inferno = inferno(settings);
            server = InfernoServer.start(settings, inferno);
        } catch (IllegalArgumentException e) {
            log.error("cannot start: {}", e.getMessage()); // a setting that does not fit the machine
            System.exit(1);
            return;
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        // registered before the gRPC server starts: a SIGTERM meanwhile still drains the REST server
        AtomicReference<GrpcServer> grpc = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, Optional.ofNullable(grpc.get())),
                "inferno-shutdown"));
        try {
            startGrpc(settings, inferno).ifPresent(grpc::set);
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage(), e);
            System.exit(1); // the hook stops the REST server
        }
    }

    /** Starts the gRPC server (after the REST one), unless {@code GRPC_PORT=off}. */
    private static Optional<GrpcServer> startGrpc(ServerSettings settings, Inferno inferno) {
        if (settings.grpcPort().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(GrpcServer.start(new GrpcSettings(settings.host(), settings.grpcPort().getAsInt(),
                settings.grpcMaxMessageBytes(), settings.drainTimeout()), inferno));
    }

    /**
     * Both servers turn not-ready and refuse new work at once; the REST server's shutdown drains the engine (which
     * answers the gRPC calls in flight too), and the gRPC server stops once its calls are answered. Both within
     * the drain timeout, since they drain in parallel.
     */
    static void shutdown(InfernoServer server, Optional<GrpcServer> grpc) {
        Thread grpcStop = grpc.map(g -> {
            Thread t = new Thread(g::shutdown, "inferno-grpc-shutdown");
            t.start();
            return t;
        }).orElse(null);
        server.shutdown();
        if (grpcStop != null) {
            try {
                grpcStop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
