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
 * {@code java -jar inferno-server.jar}: reads the settings from the environment, opens the REST port (readiness
 * 503 until startup loading is done), loads the repository, serves it over REST and (unless {@code GRPC_PORT=off})
 * over the Open Inference Protocol's gRPC binding, and shuts both down gracefully on SIGTERM. Exit status 2 for
 * invalid settings, 1 when the server cannot start (a port in use among them: before any model loads).
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
            Serving serving = serve(settings);
            server = serving.server();
            inferno = serving.inferno();
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

    /** A REST server and the engine it serves. */
    record Serving(InfernoServer server, Inferno inferno) {}

    /**
     * Builds the engine without loading anything, binds the REST port, then starts loading: {@code /health/ready}
     * answers 503 while models load, and a port in use fails (with the engine closed) before any model loads.
     *
     * @throws IllegalArgumentException when the port is in use or the repository is not a directory
     */
    static Serving serve(ServerSettings settings) {
        Inferno inferno = builder(settings).startOnBuild(false).build();
        InfernoServer server;
        try {
            server = InfernoServer.start(settings, inferno);
        } catch (RuntimeException | Error e) {
            inferno.close();
            throw e;
        }
        inferno.start();
        return new Serving(server, inferno);
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

    /** The engine the settings describe, started: loading begins at once. */
    static Inferno inferno(ServerSettings settings) {
        return builder(settings).build();
    }

    private static Inferno.Builder builder(ServerSettings settings) {
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
                .repositoryPollInterval(settings.repoPollInterval());
    }
}
