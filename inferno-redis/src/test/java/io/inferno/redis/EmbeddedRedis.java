package io.inferno.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import redis.embedded.RedisServer;

/**
 * A real redis-server child process (embedded-redis) on a free loopback port, with an append-only file in its own
 * temporary directory, so that a test can stop it and start it again on the same port with its data. Also the
 * helpers the Redis tests share.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static String shared;

    private final int port;
    private final Path dir;
    private RedisServer server;
    private ProcessHandle process;

    private EmbeddedRedis(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a server on a free port. */
    public static EmbeddedRedis start() {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // another process may take the port between probe and bind
            try {
                EmbeddedRedis r = new EmbeddedRedis(freePort(), Files.createTempDirectory("inferno-redis-test"));
                r.restart();
                return r;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("could not start an embedded redis-server", last);
    }

    /**
     * The Redis the tests that need not stop it share: {@code REDIS_URL} when set, else one embedded server for
     * the whole run (embedded-redis stops it when the JVM exits).
     */
    static synchronized String sharedUri() {
        if (shared == null) {
            String env = System.getenv("REDIS_URL");
            shared = env != null && !env.isBlank() ? env : start().uri();
        }
        return shared;
    }

    /** A key prefix no other test uses, so that tests can share one Redis. */
    public static String uniquePrefix() {
        return "inferno-test:" + UUID.randomUUID();
    }

    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    int port() {
        return port;
    }

    /** Starts the server (again) on the same port, with the data it had when stopped. */
    public void restart() throws IOException {
        server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(port)
                .setting("dir " + dir)
                .setting("save \"\"")
                .setting("appendonly yes")
                .build();
        Set<ProcessHandle> before = ProcessHandle.current().children().collect(Collectors.toSet());
        server.start();
        process = ProcessHandle.current().children().filter(p -> !before.contains(p)).findFirst()
                .orElseThrow(() -> new IllegalStateException("redis-server started, but no new child process"));
    }

    /** Stops the server (SIGTERM, then waits for the process to end): clients see their connections close. */
    public void stop() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running redis-server process. */
    ProcessHandle process() {
        return process;
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Polls {@code condition} every few milliseconds; fails after {@code limit}. Returns the time it took. */
    public static Duration await(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": not reached within " + limit);
            }
            Thread.sleep(2);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
