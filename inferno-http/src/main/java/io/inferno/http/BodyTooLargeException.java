package io.inferno.http;

import java.io.IOException;

/** Thrown by {@link LimitedInputStream} while reading, as soon as a body passes the limit. */
final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(long limit) {
        super("request body is larger than the limit of " + limit + " bytes (MAX_REQUEST_BYTES)");
    }
}
