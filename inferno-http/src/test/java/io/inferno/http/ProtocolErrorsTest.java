package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.ScalingModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests Jetty itself rejects before any route runs (issue 11): they are answered like every other error, a 4xx
 * with a small JSON {@code {"detail": ...}}, not Jetty's HTML error page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolErrorsTest {
    private ServerHarness http;

    @BeforeAll
    void start(@TempDir Path repo) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        http = new ServerHarness(repo, Map.of());
    }

    @AfterAll
    void stop() {
        http.close();
    }

    static Stream<Arguments> malformed() {
        String predict = "/v1/models/scale:predict";
        return Stream.of(
                Arguments.of("a Content-Length that is not a number",
                        RawHttp.head("POST", predict, "Content-Length: abc") + "{}", 400, "Content-Length"),
                Arguments.of("two different Content-Lengths",
                        RawHttp.head("POST", predict, "Content-Length: 2", "Content-Length: 3") + "{}", 400, ""),
                Arguments.of("request headers over the limit",
                        RawHttp.head("GET", "/health/live", "X-Padding: " + "a".repeat(20_000)), 431,
                        "Request Header Fields Too Large"),
                Arguments.of("a chunk size that is not hexadecimal",
                        RawHttp.head("POST", predict, "Transfer-Encoding: chunked") + "zz\r\n{}\r\n0\r\n\r\n", 400,
                        ""),
                Arguments.of("a chunk longer than its size",
                        RawHttp.head("POST", predict, "Transfer-Encoding: chunked") + "1\r\n{}}\r\n0\r\n\r\n", 400,
                        ""),
                Arguments.of("a URI with a bad escape", RawHttp.head("GET", "/health/%zz"), 400, ""),
                Arguments.of("a URI with a control character", RawHttp.head("GET", "/health/\u0001live"), 400, ""),
                Arguments.of("no Host header", "GET /health/live HTTP/1.1\r\n\r\n", 400, ""),
                Arguments.of("an unknown HTTP version", "GET /health/live HTTP/7.0\r\nHost: x\r\n\r\n", 505,
                        "HTTP Version Not Supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isAnswered4xxWithASmallJsonDetail(String name, String request, int status, String mentions) {
        try (RawHttp c = new RawHttp(http.server.port())) {
            RawHttp.Response r = c.send(request).read();
            assertThat(r.status()).as(r.body()).isEqualTo(status);
            assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(r.body().length()).isLessThan(1024);
            assertThat(json(r.body()).get("detail").asText()).isNotBlank().contains(mentions);
        }
    }
}
