package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.redis.EmbeddedRedis;
import io.inferno.testing.Await;
import io.inferno.testing.ScalingModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three servers on loopback sharing one real Redis: one admin call steers the fleet, and a Redis outage stops
 * admin changes but not serving.
 */
class ReplicasOverHttpTest {
    @TempDir
    Path repo;

    private static long versionServed(ServerHarness replica) {
        HttpResponse<String> r = replica.post("/v1/models/scale:predict", xBody(1));
        return r.statusCode() == 200 ? json(r).get("version").asLong() : -r.statusCode();
    }

    private static Duration await(String what, BooleanSupplier condition) throws InterruptedException {
        return Await.until(what, condition);
    }

    @Test
    void oneAdminCallSteersTheFleetAndAnOutageStopsOnlyAdminCalls() throws Exception {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        writeYaml(repo.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            Map<String, String> env = Map.of("REDIS_URL", redis.uri(), "REDIS_PREFIX", EmbeddedRedis.uniquePrefix(),
                    "STATE_RECONCILE_INTERVAL_S", "0.5");
            List<ServerHarness> fleet = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Map<String, String> mine = new java.util.HashMap<>(env);
                    mine.put("REPLICA_ID", "replica-" + i);
                    fleet.add(new ServerHarness(repo, mine));
                }
                ServerHarness a = fleet.get(0);
                ServerHarness b = fleet.get(1);
                ServerHarness c = fleet.get(2);
                assertThat(versionServed(b)).isEqualTo(2);

                assertThat(a.post("/v1/models:load", "{\"name\": \"scale\", \"version\": 1}").statusCode())
                        .isEqualTo(200);
                Duration load = await("b and c serve version 1",
                        () -> versionServed(b) == 1 && versionServed(c) == 1);
                System.out.printf("fleet of 3 converged on a load in %d ms%n", load.toMillis());

                assertThat(c.post("/v1/models:load", "{\"name\": \"scale\", \"version\": 2}").statusCode())
                        .isEqualTo(200);
                assertThat(c.post("/v1/models:unload", "{\"name\": \"scale\", \"version\": 1}").statusCode())
                        .isEqualTo(200);
                Duration unload = await("a and b no longer have version 1", () -> versionServed(a) == 2
                        && a.post("/v1/models/scale/versions/1:predict", xBody(1)).statusCode() == 404
                        && b.post("/v1/models/scale/versions/1:predict", xBody(1)).statusCode() == 404);
                System.out.printf("fleet of 3 converged on an unload in %d ms%n", unload.toMillis());

                await("every replica in the fleet view", () -> json(a.get("/v1/models")).get("fleet").size() == 3);
                assertThat(json(a.get("/v1/models")).at("/state_store/shared").asBoolean()).isTrue();

                redis.stop();
                int failures = 0;
                for (int i = 0; i < 100; i++) {
                    for (ServerHarness replica : fleet) {
                        if (versionServed(replica) != 2) {
                            failures++;
                        }
                    }
                }
                assertThat(failures).isZero();
                HttpResponse<String> refused = b.post("/v1/models:load", "{\"name\": \"scale\", \"version\": 1}");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(json(refused).get("detail").asText()).startsWith("shared state unavailable");
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                assertThat(json(b.get("/v1/models")).at("/state_store/healthy").asBoolean()).isFalse();
                assertThat(b.get("/metrics").body()).contains("state_store_healthy 0");
                assertThat(versionServed(b)).isEqualTo(2);

                redis.restart();
                await("the store is healthy again",
                        () -> json(b.get("/v1/models")).at("/state_store/healthy").asBoolean());
                assertThat(b.post("/v1/models:load", "{\"name\": \"scale\", \"version\": 1}").statusCode())
                        .isEqualTo(200);
                await("a and c follow after the outage", () -> versionServed(a) == 1 && versionServed(c) == 1);
            } finally {
                fleet.forEach(ServerHarness::close);
            }
        }
    }
}
