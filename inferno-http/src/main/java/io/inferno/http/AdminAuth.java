package io.inferno.http;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * Guards the admin routes (load, unload) with {@code Authorization: Bearer <ADMIN_TOKEN>} when a token is set;
 * without one every admin call is allowed (docs/deployment.md).
 *
 * <p>The comparison is constant-time and does not reveal the token's length: both the expected and the given
 * header are hashed with SHA-256 and the digests compared with {@link MessageDigest#isEqual}, which on inputs of
 * equal length does not stop at the first difference.
 */
final class AdminAuth {
    static final String MISSING = "admin calls need an Authorization: Bearer <ADMIN_TOKEN> header";
    static final String INVALID = "the admin token is not valid";

    private final Optional<byte[]> expected;

    AdminAuth(Optional<String> token) {
        Objects.requireNonNull(token, "token");
        this.expected = token.map(t -> sha256("Bearer " + t));
    }

    /** Refuses the request with 401 and {@code WWW-Authenticate: Bearer} unless it carries the token. */
    void authorize(Context ctx) {
        try {
            check(ctx.header("Authorization"));
        } catch (HttpProblem refused) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw refused;
        }
    }

    /**
     * Checks an {@code Authorization} header value.
     *
     * @param header the header as sent, or null when there is none
     * @throws HttpProblem 401 when a token is set and the header does not carry it
     */
    void check(String header) {
        if (expected.isEmpty()) {
            return;
        }
        byte[] given = sha256(header == null ? "" : header);
        if (!MessageDigest.isEqual(expected.get(), given)) {
            throw new HttpProblem(401, header == null ? MISSING : INVALID);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
