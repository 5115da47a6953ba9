package io.inferno.http;

import java.io.IOException;

/**
 * A body over {@code MAX_REQUEST_BYTES}, found by {@link RequestIntake} from its declared length or as the body
 * passes the limit.
 */
final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(long limit) {
        super("request body is larger than the limit of " + limit + " bytes (MAX_REQUEST_BYTES)");
    }
}
