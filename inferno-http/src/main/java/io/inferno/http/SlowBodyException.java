package io.inferno.http;

import java.io.IOException;

/**
 * A request body that arrived too slowly: below the minimum data rate over a window, or silent for longer than the
 * idle timeout. Answered 408 with {@code Connection: close}.
 */
final class SlowBodyException extends IOException {
    private static final long serialVersionUID = 1L;

    SlowBodyException(String message) {
        super(message, null);
    }
}
