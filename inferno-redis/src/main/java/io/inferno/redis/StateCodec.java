package io.inferno.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferno.state.DesiredState;
import io.inferno.state.ReplicaReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Desired states as Redis hash fields, and heartbeats as JSON: plain text an operator can read and write with
 * redis-cli. Decoding failures are {@link IllegalArgumentException}s that name the key.
 */
final class StateCodec {
    static final String ACTIVE = "active";
    static final String LOADED = "loaded";
    static final String REVISION = "revision";

    private static final ObjectMapper JSON = new ObjectMapper();

    private StateCodec() {}

    static String active(DesiredState s) {
        return s.active().isPresent() ? Long.toString(s.active().getAsLong()) : "";
    }

    static String loaded(DesiredState s) {
        return s.loaded().stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** The state in a model hash; {@link DesiredState#EMPTY} for an empty hash (no such key). */
    static DesiredState desiredState(String key, Map<String, String> hash) {
        if (hash.isEmpty()) {
            return DesiredState.EMPTY;
        }
        try {
            String active = hash.getOrDefault(ACTIVE, "").trim();
            String loaded = hash.getOrDefault(LOADED, "").trim();
            TreeSet<Long> versions = new TreeSet<>();
            if (!loaded.isEmpty()) {
                for (String v : loaded.split(",")) {
                    versions.add(Long.parseLong(v.trim()));
                }
            }
            return new DesiredState(active.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(active)),
                    versions, Long.parseLong(hash.getOrDefault(REVISION, "0").trim()));
        } catch (IllegalArgumentException e) { // NumberFormatException too
            throw new IllegalArgumentException("malformed desired state in " + key + " " + hash + ": "
                    + e.getMessage(), e);
        }
    }

    static String heartbeat(ReplicaReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("replica", report.replica());
        ObjectNode loaded = root.putObject("loaded");
        report.loaded().forEach((model, versions) -> versions.forEach(loaded.putArray(model)::add));
        root.put("at", report.at().toString());
        return root.toString();
    }

    static ReplicaReport report(String key, String json) {
        try {
            JsonNode root = JSON.readTree(json);
            Map<String, List<Long>> loaded = new TreeMap<>();
            root.path("loaded").properties().forEach(e -> {
                List<Long> versions = new ArrayList<>();
                e.getValue().forEach(v -> versions.add(v.asLong()));
                loaded.put(e.getKey(), versions);
            });
            return new ReplicaReport(root.required("replica").asText(), loaded,
                    Instant.parse(root.required("at").asText()));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("malformed heartbeat in " + key + ": " + e.getMessage(), e);
        }
    }
}
