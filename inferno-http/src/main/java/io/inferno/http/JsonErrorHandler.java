package io.inferno.http;

import io.inferno.text.ClientText;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers as JSON: requests Jetty rejects before any route runs (a bad Content-Length, request
 * headers over the limit, a malformed URI or request line, an unknown HTTP version) get the same
 * error body as every other error ({@code {"error": ...}} under {@code /v2}), whatever the client accepts, instead
 * of Jetty's HTML page.
 * The status is Jetty's; the detail is its reason, bounded; the answer carries an {@code X-Request-ID} like every
 * other. Installed as the server's error handler.
 */
final class JsonErrorHandler extends ErrorHandler {
    /** The longest reason quoted: Jetty's reasons are short, but some quote the request. */
    static final int MAX_REASON_CHARS = 300;

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // a JSON body for every method, not only GET, POST and HEAD
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        String reason = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        byte[] body = ErrorMapping.body(code >= 500 ? HttpStatus.getMessage(code)
                : "malformed request: " + ClientText.truncate(reason, MAX_REASON_CHARS),
                ErrorMapping.Dialect.of(request.getHttpURI() == null ? null : request.getHttpURI().getPath()));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put("X-Request-ID", RequestLog.requestIdFor(request.getHeaders().get("X-Request-ID")));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
