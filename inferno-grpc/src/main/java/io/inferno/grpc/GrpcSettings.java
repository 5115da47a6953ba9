package io.inferno.grpc;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link GrpcServer} listens.
 *
 * @param host the interface to listen on (an address or a host name, for example {@code 0.0.0.0})
 * @param port the port, from 0 (a free one, see {@link GrpcServer#port()}) to 65535
 * @param maxMessageBytes the largest request message accepted, 1 or more; a larger one is refused with
 *     RESOURCE_EXHAUSTED before it is read
 * @param drainTimeout how long {@link GrpcServer#shutdown()} waits for the calls in flight, positive
 */
public record GrpcSettings(String host, int port, int maxMessageBytes, Duration drainTimeout) {
    /** Triton's port for the protocol, and Inferno's default. */
    public static final int DEFAULT_PORT = 8001;

    public GrpcSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
        }
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("maxMessageBytes must be 1 or more, got " + maxMessageBytes);
        }
        if (drainTimeout.isNegative() || drainTimeout.isZero()) {
            throw new IllegalArgumentException("drainTimeout must be positive, got " + drainTimeout);
        }
    }
}
