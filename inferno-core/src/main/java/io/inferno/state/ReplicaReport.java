package io.inferno.state;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One replica's heartbeat: what it really has loaded, and when it said so.
 *
 * @param replica the replica's id
 * @param loaded model name to the versions loaded there, ascending
 * @param at when the report was made
 */
public record ReplicaReport(String replica, Map<String, List<Long>> loaded, Instant at) {
    public ReplicaReport {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(at, "at");
        TreeMap<String, List<Long>> copy = new TreeMap<>();
        loaded.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        loaded = java.util.Collections.unmodifiableSortedMap(copy);
    }
}
