package io.inferno.client;

import io.inferno.codec.Codec;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Per-call settings of an {@link InfernoClient} call; each one left empty takes the client's default.
 *
 * <pre>{@code
 * CallOptions options = CallOptions.DEFAULTS.withRequestId("order-1234").withTimeout(Duration.ofSeconds(2));
 * }</pre>
 *
 * @param requestId the {@code X-Request-ID} to send, or empty for a new UUID
 * @param timeout how long to wait for each attempt's answer, or empty for the client's default
 * @param codec how tensors travel, both ways: {@link Codec#JSON} ({@code data}) or {@link Codec#BASE64}; empty
 *     for the client's default
 */
public record CallOptions(Optional<String> requestId, Optional<Duration> timeout, Optional<Codec> codec) {
    /** Every setting from the client. */
    public static final CallOptions DEFAULTS = new CallOptions(Optional.empty(), Optional.empty(), Optional.empty());

    /** What the server accepts as a request id; it replaces any other with a UUID of its own. */
    static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public CallOptions {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(codec, "codec");
        requestId.ifPresent(CallOptions::checkRequestId);
        timeout.ifPresent(InfernoClient::checkTimeout);
    }

    /**
     * These options with a request id.
     *
     * @throws IllegalArgumentException unless it is 1 to 128 characters of {@code [A-Za-z0-9._:-]}
     */
    public CallOptions withRequestId(String id) {
        return new CallOptions(Optional.of(id), timeout, codec);
    }

    /**
     * These options with a timeout for each attempt.
     *
     * @throws IllegalArgumentException unless it is positive
     */
    public CallOptions withTimeout(Duration t) {
        return new CallOptions(requestId, Optional.of(t), codec);
    }

    /** These options with a codec for the request's inputs and the answer's outputs. */
    public CallOptions withCodec(Codec c) {
        return new CallOptions(requestId, timeout, Optional.of(c));
    }

    private static void checkRequestId(String id) {
        if (!REQUEST_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a request id is 1 to 128 characters of [A-Za-z0-9._:-], got '"
                    + (id.length() > 40 ? id.substring(0, 40) + "...' (" + id.length() + " characters)" : id + "'"));
        }
    }
}
