package io.inferno.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP/1.1 exchange on a socket of its own with {@code Connection: close}, for what {@link HttpFuzzTest} cannot
 * send through {@code java.net.http}: requests after which the server drops the connection, and
 * {@code Expect: 100-continue} (JDK 17's client waited past its own timeout, forever, for an answer that the server
 * had sent). With {@code Expect}, the body goes out only after {@code 100 Continue}, as a client waits for it.
 */
final class OwnConnection {
    /** An answer as read off the wire; header names in lower case. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }
    }

    private OwnConnection() {}

    /**
     * Sends {@code method path} with {@code headers} (names and values in turns) and {@code body}.
     *
     * @throws java.net.SocketTimeoutException when no answer comes within {@code within}
     */
    static Answer exchange(int port, String method, String path, List<String> headers, byte[] body,
            Duration within) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) within.toMillis());
            boolean expect = false;
            StringBuilder head = new StringBuilder(method).append(' ').append(path)
                    .append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: ")
                    .append(body.length).append("\r\n");
            for (int i = 0; i < headers.size(); i += 2) {
                head.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
                expect |= headers.get(i).equalsIgnoreCase("Expect");
            }
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (!expect) {
                out.write(body);
            }
            out.flush();
            Answer answer = readHead(in);
            if (expect && answer.status() == 100) {
                out.write(body);
                out.flush();
                answer = readHead(in);
            }
            return new Answer(answer.status(), answer.headers(), readBody(in, answer));
        }
    }

    private static Answer readHead(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int state = 0; // how much of CR LF CR LF has been seen
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + bytes.size() + " bytes of an answer's head");
            }
            bytes.write(b);
            state = b == (state % 2 == 0 ? '\r' : '\n') ? state + 1 : b == '\r' ? 1 : 0;
        }
        String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        if (!lines[0].startsWith("HTTP/1.1 ")) {
            throw new IOException("not an HTTP/1.1 status line: " + lines[0]);
        }
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return new Answer(Integer.parseInt(lines[0].substring(9, 12)), headers, new byte[0]);
    }

    private static byte[] readBody(InputStream in, Answer head) throws IOException {
        Optional<String> length = head.header("Content-Length");
        if (length.isPresent()) {
            return in.readNBytes(Integer.parseInt(length.get()));
        }
        if (head.header("Transfer-Encoding").filter(t -> t.equalsIgnoreCase("chunked")).isPresent()) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int size;
            while ((size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0) {
                body.write(in.readNBytes(size));
                line(in);
            }
            return body.toByteArray();
        }
        return in.readAllBytes();
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
