package io.inferno.client;

import java.util.Objects;

/**
 * A remote call's answer with what the exchange tells besides it.
 *
 * @param value the answer
 * @param requestId the {@code X-Request-ID} the server answered with (the one sent, unless the server replaced it)
 * @param attempts how many requests it took: 1, or more after 503 answers with {@code Retry-After}
 * @param <T> the answer's type
 */
public record Reply<T>(T value, String requestId, int attempts) {
    public Reply {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(requestId, "requestId");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be 1 or more, got " + attempts);
        }
    }
}
