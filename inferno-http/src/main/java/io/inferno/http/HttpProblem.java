package io.inferno.http;

/**
 * A request the HTTP layer itself refuses (not JSON, too large, unauthorized, unknown route), with its status.
 * Core failures are {@link io.inferno.InfernoException}s; both are mapped to responses by {@link ErrorMapping}.
 */
final class HttpProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    HttpProblem(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
