package io.inferno.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a run measured.
 *
 * @param users concurrent users
 * @param seconds measured wall time
 * @param ok successful requests
 * @param failed failed requests
 * @param latency successful requests' latency, in microseconds
 * @param byStatus failed requests by HTTP status
 * @param byKind failed requests by kind (status class, timeout, connection, verification)
 * @param server the server's breakdown, when /metrics could be read
 */
record Report(int users, double seconds, long ok, long failed, Histogram latency, Map<Integer, Long> byStatus,
        Map<String, Long> byKind, Optional<Server> server) {

    /** The server's own split, from /metrics. */
    record Server(double meanQueueMs, double meanComputeMs, double meanBatchSize, double batches) {}

    double requestsPerSecond() {
        return (ok + failed) / seconds;
    }

    private double ms(double percentile) {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
    }

    void printText(PrintStream out, String model) {
        out.printf("%nmodel %s, %d users, %.1f s%n", model, users, seconds);
        out.printf("requests     %,d ok, %,d failed%n", ok, failed);
        out.printf("throughput   %,.1f requests/s%n", requestsPerSecond());
        out.printf("latency ms   p50 %.2f   p90 %.2f   p99 %.2f   max %.2f%n", ms(50), ms(90), ms(99),
                latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0);
        if (!byStatus.isEmpty() || !byKind.isEmpty()) {
            out.printf("errors       by status %s, by kind %s%n", byStatus, byKind);
        }
        server.ifPresent(s -> out.printf("server       queue %.2f ms/request, compute %.2f ms/batch, "
                + "%.1f rows/batch over %,.0f batches%n", s.meanQueueMs(), s.meanComputeMs(), s.meanBatchSize(),
                s.batches()));
    }

    ObjectNode toJson(ObjectMapper mapper, String model) {
        ObjectNode root = mapper.createObjectNode();
        root.put("model", model);
        root.put("users", users);
        root.put("duration_s", seconds);
        root.put("requests", ok + failed);
        root.put("ok", ok);
        root.put("failed", failed);
        root.put("requests_per_s", requestsPerSecond());
        ObjectNode lat = root.putObject("latency_ms");
        lat.put("p50", ms(50));
        lat.put("p90", ms(90));
        lat.put("p99", ms(99));
        lat.put("max", latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0);
        lat.put("mean", latency.getTotalCount() == 0 ? Double.NaN : latency.getMean() / 1000.0);
        ObjectNode errors = root.putObject("errors");
        ObjectNode status = errors.putObject("by_status");
        new TreeMap<>(byStatus).forEach((k, v) -> status.put(Integer.toString(k), v));
        ObjectNode kind = errors.putObject("by_kind");
        new TreeMap<>(byKind).forEach(kind::put);
        server.ifPresent(s -> {
            ObjectNode srv = root.putObject("server");
            srv.put("mean_queue_ms", s.meanQueueMs());
            srv.put("mean_compute_ms", s.meanComputeMs());
            srv.put("mean_batch_size", s.meanBatchSize());
            srv.put("batches", s.batches());
        });
        return root;
    }
}
