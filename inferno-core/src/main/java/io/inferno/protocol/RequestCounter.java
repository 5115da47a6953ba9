package io.inferno.protocol;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * {@code infer_requests_total{model,route,status}}: the requests the servers in front of an {@link io.inferno.Inferno}
 * answered, one counter per metrics registry, shared by every server that counts into that registry (the REST
 * server and the gRPC server of one process count into the same series).
 *
 * <ul>
 *   <li>{@code model}: {@link io.inferno.Inferno#metricsLabel} of the model the request named, or empty.
 *   <li>{@code route}: an HTTP route template ({@code /v1/models/{name}:predict}), or for another protocol the
 *       protocol and its method ({@code grpc:/inference.GRPCInferenceService/ModelInfer}). Servers count only
 *       their own fixed routes, so the series stay bounded.
 *   <li>{@code status}: the class of the HTTP status the outcome has (or would have) on the REST API:
 *       {@code 2xx}, {@code 4xx}, {@code 5xx}; one alert on 5xx covers every protocol.
 * </ul>
 *
 * <p>A registry refuses two counters of one name, so servers never register their own: they ask {@link #in} for
 * the registry's one. The map is weak, so a registry that is dropped takes its counter with it.
 */
public final class RequestCounter {
    // guarded by itself
    private static final Map<PrometheusRegistry, RequestCounter> BY_REGISTRY = new WeakHashMap<>();

    private final Counter requests;

    private RequestCounter(PrometheusRegistry registry) {
        requests = Counter.builder().name("infer_requests_total")
                .help("Requests answered, by model, route (HTTP route template, or protocol and method) and status"
                        + " class")
                .labelNames("model", "route", "status").register(registry);
    }

    /** The counter of {@code registry}, registered there on first use. */
    public static RequestCounter in(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, RequestCounter::new);
        }
    }

    /**
     * Counts one answered request.
     *
     * @param model the model label ({@link io.inferno.Inferno#metricsLabel}), or empty for routes without a model
     * @param route the route label
     * @param httpStatus the HTTP status (or its REST equivalent), counted as its class
     */
    public void count(String model, String route, int httpStatus) {
        requests.labelValues(model, route, (httpStatus / 100) + "xx").inc();
    }
}
