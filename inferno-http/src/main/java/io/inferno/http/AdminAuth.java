package io.inferno.http;

import io.inferno.text.ClientText;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Guards the admin routes (load, unload), in this order:
 * <ol>
 *   <li><b>origin</b>: a request carrying an {@code Origin} header (a browser's) is refused with 403 unless that
 *       origin is in {@code ADMIN_ALLOWED_ORIGINS}; allowed origins get the CORS answer headers, and
 *       {@link #preflight} answers their browsers' {@code OPTIONS} preflight;
 *   <li><b>token</b>: when {@code ADMIN_TOKEN} is set, {@code Authorization: Bearer <ADMIN_TOKEN>} or 401;
 *   <li><b>content type</b>: {@code application/json} (or another {@code application/*+json} type) or 415. A web
 *       page can send a cross-site "simple" POST ({@code text/plain}, form types) without asking first; a JSON
 *       type makes its browser send a preflight, which this server does not grant to unlisted origins.
 * </ol>
 * Without a token every non-browser admin call is allowed: set {@code ADMIN_TOKEN} on every deployment that others
 * can reach (docs/deployment.md).
 *
 * <p>The token comparison is constant-time and does not reveal the token's length: both the expected and the
 * given header are hashed with SHA-256 and the digests compared with {@link MessageDigest#isEqual}, which on inputs
 * of equal length does not stop at the first difference.
 */
final class AdminAuth {
    static final String MISSING = "admin calls need an Authorization: Bearer <ADMIN_TOKEN> header";
    static final String INVALID = "the admin token is not valid";

    private final Optional<byte[]> expected;
    private final Set<String> origins;

    AdminAuth(Optional<String> token, List<String> allowedOrigins) {
        Objects.requireNonNull(token, "token");
        this.expected = token.map(t -> sha256("Bearer " + t));
        this.origins = Set.copyOf(allowedOrigins);
    }

    /**
     * Refuses the request unless its origin, token and content type are acceptable (see the class comment): 403,
     * then 401 with {@code WWW-Authenticate: Bearer}, then 415.
     */
    void authorize(Context ctx) {
        allowOrigin(ctx);
        try {
            check(ctx.header("Authorization"));
        } catch (HttpProblem refused) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw refused;
        }
        // the raw header: the servlet API's content type throws on a charset it does not know
        requireJson(ctx.header("Content-Type"));
    }

    /** Answers a browser's CORS preflight for an admin route: 204 for an allowed origin, 403 otherwise. */
    void preflight(Context ctx) {
        if (ctx.header("Origin") == null) {
            throw new HttpProblem(403, "OPTIONS on an admin route is a CORS preflight and needs an Origin header");
        }
        allowOrigin(ctx);
        ctx.header("Access-Control-Allow-Methods", "POST");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
    }

    private void allowOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return; // not a browser, or a same-origin GET-like request: nothing a web page can forge
        }
        ctx.header("Vary", "Origin");
        if (!origins.contains(origin.trim().toLowerCase(Locale.ROOT))) {
            throw new HttpProblem(403, "admin calls from browser origin " + ClientText.quote(origin)
                    + " are refused; allowed origins are set with ADMIN_ALLOWED_ORIGINS"
                    + (origins.isEmpty() ? " (none are)" : ""));
        }
        ctx.header("Access-Control-Allow-Origin", origin);
    }

    /**
     * Checks a {@code Content-Type} header value.
     *
     * @param contentType the header as sent, or null when there is none
     * @throws HttpProblem 415 unless it names a JSON media type
     */
    static void requireJson(String contentType) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            throw new HttpProblem(415, "admin calls need Content-Type: application/json (got "
                    + (contentType == null ? "none" : ClientText.quote(contentType)) + ")");
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
