package io.inferno.http;

import io.inferno.protocol.RequestCounter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The server's own metrics, beside the engine's in the same registry: {@code infer_requests_total{model,route,
 * status}} (status as its class, 2xx to 5xx), {@code ready} (1 while /health/ready answers 200),
 * {@code state_store_healthy} (1 while the state store answers; always 1 in process) and
 * {@code http_inflight_bytes} (the bytes requests in flight hold, against {@code MAX_INFLIGHT_BYTES}). The request
 * counter is the registry's shared {@link RequestCounter}, which the gRPC server counts into too.
 */
final class HttpMetrics {
    private final RequestCounter requests;

    HttpMetrics(PrometheusRegistry registry, BooleanSupplier ready, BooleanSupplier storeHealthy,
            LongSupplier inflightBytes) {
        requests = RequestCounter.in(registry);
        GaugeWithCallback.builder().name("ready").help("1 when the server is ready to serve, else 0")
                .callback(cb -> cb.call(ready.getAsBoolean() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("state_store_healthy")
                .help("1 when the state store answers (always 1 without a shared store), else 0")
                .callback(cb -> cb.call(storeHealthy.getAsBoolean() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("http_inflight_bytes")
                .help("Bytes held by requests in flight (bodies, decoded inputs, outputs until answered)")
                .callback(cb -> cb.call(inflightBytes.getAsLong())).register(registry);
    }

    void count(String model, String route, int status) {
        requests.count(model, route, status);
    }
}
