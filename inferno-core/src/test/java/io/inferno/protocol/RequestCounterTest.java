package io.inferno.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import org.junit.jupiter.api.Test;

class RequestCounterTest {
    @Test
    void everyServerOfARegistryCountsIntoItsOneCounter() {
        PrometheusRegistry registry = new PrometheusRegistry();
        RequestCounter http = RequestCounter.in(registry);
        RequestCounter grpc = RequestCounter.in(registry);
        assertThat(grpc).isSameAs(http);
        http.count("m", "/v1/models/{name}:predict", 200);
        grpc.count("m", "grpc:/inference.GRPCInferenceService/ModelInfer", 204);
        grpc.count("m", "grpc:/inference.GRPCInferenceService/ModelInfer", 422);
        assertThat(value(registry, "/v1/models/{name}:predict", "2xx")).isEqualTo(1);
        assertThat(value(registry, "grpc:/inference.GRPCInferenceService/ModelInfer", "2xx")).isEqualTo(1);
        assertThat(value(registry, "grpc:/inference.GRPCInferenceService/ModelInfer", "4xx")).isEqualTo(1);
    }

    @Test
    void anotherRegistryHasItsOwnCounter() {
        assertThat(RequestCounter.in(new PrometheusRegistry())).isNotSameAs(RequestCounter.in(new PrometheusRegistry()));
    }

    private static double value(PrometheusRegistry registry, String route, String status) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals("infer_requests"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> route.equals(d.getLabels().get("route")) && status.equals(d.getLabels().get("status")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }
}
