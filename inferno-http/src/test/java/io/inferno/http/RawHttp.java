package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP/1.1 connection on a plain socket, for what {@link java.net.http.HttpClient} will not do: malformed
 * requests, bodies sent a byte at a time, and watching the server close a keep-alive connection. Every read waits
 * at most {@link Await#LIMIT}.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    RawHttp(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) Await.LIMIT.toMillis());
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A response as read off the wire; header names are case-insensitive. */
    record Response(int status, Map<String, String> headers, String body) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }
    }

    /** Sends text as ISO-8859-1 bytes, as they are. */
    RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends bytes and reports whether the server still took them (false once it has closed the connection). */
    boolean trySend(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** Ends this side of the connection (a half close): the server reads the end of the stream. */
    RawHttp endOutput() {
        try {
            socket.shutdownOutput();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request head with a Host header; {@code headers} are whole lines without their CRLF. */
    static String head(String method, String path, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: test\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** A POST with a declared length and its whole body. */
    static String post(String path, String body, String... headers) {
        String[] all = new String[headers.length + 1];
        System.arraycopy(headers, 0, all, 0, headers.length);
        all[headers.length] = "Content-Length: " + body.getBytes(StandardCharsets.ISO_8859_1).length;
        return head("POST", path, all) + body;
    }

    /** Reads one response: status line, headers, then a body by Content-Length, chunks, or up to the close. */
    Response read() {
        try {
            String status = line();
            assertThat(status).as("status line").startsWith("HTTP/1.1 ");
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                headers.merge(l.substring(0, colon).trim(), l.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
            byte[] body;
            if (headers.containsKey("Content-Length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("Content-Length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(),
                        16)) {
                    out.write(in.readNBytes(size));
                    line();
                }
                line();
                body = out.toByteArray();
            } else {
                body = in.readAllBytes();
            }
            return new Response(Integer.parseInt(status.substring(9, 12)), headers,
                    new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for the server to close the connection and says how: {@code "closed"} for an orderly close (end of
     * stream), {@code "reset"} for a reset, {@code "data"} if it sent anything instead.
     */
    String awaitClose() {
        try {
            int b = in.read();
            return b < 0 ? "closed" : "data";
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + Await.LIMIT, e);
        } catch (IOException e) {
            return "reset";
        }
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        if (c < 0 && b.length() == 0) {
            throw new IOException("connection closed before a response line");
        }
        return b.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }
}
