package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.ScalingModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send their bodies slowly (issue 11): they must not hold the server's threads, so health, metrics and
 * other predictions keep answering, and once below the minimum data rate they are answered 408 and dropped.
 */
class SlowClientsTest {
    /** The server's thread pool in these tests; Jetty keeps a few for itself, the rest serve requests. */
    private static final int THREADS = 16;

    @TempDir
    Path repo;

    private ServerHarness start(Map<String, String> env) {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        return new ServerHarness(repo, env);
    }

    /** A predict head declaring {@code length} body bytes, followed by the first of them. */
    private static String slowStart(int length) {
        return RawHttp.head("POST", "/v1/models/scale:predict", "Content-Length: " + length,
                "Content-Type: application/json") + "{";
    }

    @Test
    void moreSlowBodiesThanThreadsLeaveHealthMetricsAndPredictionsAnswering() throws Exception {
        // the rate check is off: only the way bodies are read can keep the server answering
        try (ServerHarness http = start(Map.of("HTTP_THREADS", Integer.toString(THREADS),
                "MIN_REQUEST_DATA_RATE", "0", "IDLE_TIMEOUT_S", "120"))) {
            String body = xBody(3);
            List<RawHttp> slow = new ArrayList<>();
            ExecutorService callers = Executors.newFixedThreadPool(3);
            try {
                for (int i = 0; i < THREADS * 3; i++) {
                    slow.add(new RawHttp(http.server.port()).send(slowStart(body.length())));
                }
                var ready = CompletableFuture.supplyAsync(() -> http.get("/health/ready"), callers);
                var metrics = CompletableFuture.supplyAsync(() -> http.get("/metrics"), callers);
                var predict = CompletableFuture.supplyAsync(() -> http.post("/v1/models/scale:predict", xBody(1)),
                        callers);
                assertThat(done(ready).statusCode()).isEqualTo(200);
                assertThat(done(metrics).statusCode()).isEqualTo(200);
                HttpResponse<String> answer = done(predict);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(json(answer).at("/outputs/y/data").toString()).isEqualTo("[[1.0,-1.0]]");

                // the slow ones were waiting all along, and are served once their bodies are complete
                for (RawHttp c : slow) {
                    c.send(body.substring(1));
                }
                for (RawHttp c : slow) {
                    RawHttp.Response r = c.read();
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    assertThat(r.body()).contains("[[3.0,-3.0]]");
                }
            } finally {
                slow.forEach(RawHttp::close);
                callers.shutdown();
            }
        }
    }

    @Test
    void bodiesSlowerThanTheMinimumRateAreAnswered408AndClosedWhileOthersAreServed() throws Exception {
        try (ServerHarness http = start(Map.of("HTTP_THREADS", Integer.toString(THREADS),
                "MIN_REQUEST_DATA_RATE", "1000", "REQUEST_RATE_WINDOW_S", "0.5", "IDLE_TIMEOUT_S", "120"))) {
            String body = xBody(1);
            List<RawHttp> trickling = new ArrayList<>();
            List<RawHttp> silent = new ArrayList<>();
            ExecutorService callers = Executors.newFixedThreadPool(2);
            try {
                for (int i = 0; i < THREADS * 3 / 2; i++) {
                    trickling.add(new RawHttp(http.server.port()).send(slowStart(body.length())));
                    silent.add(new RawHttp(http.server.port()).send(slowStart(body.length())));
                }
                // one byte each every 50 ms is 20 bytes/s, far below 1000 bytes/s
                CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                    for (int i = 1; i < body.length(); i++) {
                        String next = body.substring(i, i + 1);
                        if (trickling.stream().filter(c -> c.trySend(next)).count() == 0) {
                            return;
                        }
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                var ready = CompletableFuture.supplyAsync(() -> http.get("/health/ready"), callers);
                var predict = CompletableFuture.supplyAsync(() -> http.post("/v1/models/scale:predict", body),
                        callers);
                assertThat(done(ready).statusCode()).isEqualTo(200);
                assertThat(done(predict).statusCode()).isEqualTo(200);

                List<RawHttp> slow = new ArrayList<>(trickling);
                slow.addAll(silent);
                for (RawHttp c : slow) {
                    RawHttp.Response r = c.read();
                    assertThat(r.status()).as(r.body()).isEqualTo(408);
                    assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
                    assertThat(r.header("Connection")).hasValue("close");
                    assertThat(json(r.body()).get("detail").asText()).startsWith(
                            "request body arrived slower than 1000 bytes/s over 500 ms");
                    assertThat(c.awaitClose()).isIn("closed", "reset");
                }
                done(trickle);
                // refused before reaching a thread, yet counted like every answer
                assertThat(http.get("/metrics").body()).contains("infer_requests_total{model=\"scale\",route="
                        + "\"/v1/models/{name}:predict\",status=\"4xx\"} " + (double) slow.size());
            } finally {
                trickling.forEach(RawHttp::close);
                silent.forEach(RawHttp::close);
                callers.shutdown();
            }
        }
    }

    @Test
    void aHeaderStillArrivingAfterTheHeaderTimeoutHasItsConnectionClosed() throws Exception {
        try (ServerHarness http = start(Map.of("REQUEST_HEADER_TIMEOUT_S", "0.3", "IDLE_TIMEOUT_S", "120"));
                RawHttp idle = new RawHttp(http.server.port());
                RawHttp slowBody = new RawHttp(http.server.port());
                RawHttp slowHeader = new RawHttp(http.server.port())) {
            assertThat(idle.send(RawHttp.head("GET", "/health/live")).read().status()).isEqualTo(200);
            String body = xBody(2);
            slowBody.send(slowStart(body.length())); // its header is whole: only the body rate applies to it
            slowHeader.send("GET /health/live HTTP/1.1\r\nHost: test\r\n");
            // a header line every 50 ms: never silent for the idle timeout, never finished
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                for (int i = 0; slowHeader.trySend("X-Line-" + i + ": x\r\n"); i++) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            assertThat(slowHeader.awaitClose()).isIn("closed", "reset");
            done(trickle);
            // longer than the header timeout since they last sent, neither the idle connection nor the one
            // sending a body was closed
            assertThat(idle.send(RawHttp.head("GET", "/health/live")).read().status()).isEqualTo(200);
            RawHttp.Response r = slowBody.send(body.substring(1)).read();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }
}
