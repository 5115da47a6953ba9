package io.inferno.loadtest;

import java.util.HashMap;
import java.util.Map;

/**
 * The server's own view of a run, from two scrapes of {@code /metrics}: mean time in the queue, mean compute time
 * per batch and mean batch size for one model, over the requests between the scrapes.
 */
final class ServerMetrics {
    private final Map<String, Double> samples;

    private ServerMetrics(Map<String, Double> samples) {
        this.samples = samples;
    }

    /** Reads the Prometheus text format, keeping the {@code _sum} and {@code _count} series of one model. */
    static ServerMetrics parse(String text, String model) {
        Map<String, Double> samples = new HashMap<>();
        String label = "model=\"" + model + "\"";
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.contains(label)) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (brace <= 0 || space <= brace) {
                continue;
            }
            String name = line.substring(0, brace);
            if (name.endsWith("_sum") || name.endsWith("_count")) {
                try {
                    samples.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
                } catch (NumberFormatException e) {
                    // not a sample line we understand
                }
            }
        }
        return new ServerMetrics(samples);
    }

    private double delta(ServerMetrics before, String name) {
        return samples.getOrDefault(name, 0.0) - before.samples.getOrDefault(name, 0.0);
    }

    private double mean(ServerMetrics before, String metric, double scale) {
        double count = delta(before, metric + "_count");
        return count <= 0 ? Double.NaN : scale * delta(before, metric + "_sum") / count;
    }

    /** The breakdown between {@code before} and this scrape. */
    Report.Server since(ServerMetrics before) {
        return new Report.Server(mean(before, "infer_queue_seconds", 1000), mean(before, "infer_compute_seconds", 1000),
                mean(before, "infer_batch_size", 1), delta(before, "infer_batch_size_count"));
    }
}
