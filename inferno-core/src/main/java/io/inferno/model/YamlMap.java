package io.inferno.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A map node of a parsed model.yaml, with its field path. */
record YamlMap(YamlField field, ObjectNode node) {
    String path() {
        return field.path();
    }

    boolean has(String key) {
        return node.has(key);
    }

    /** The value of {@code key}, if the key is present. */
    Optional<YamlField> get(String key) {
        JsonNode value = node.get(key);
        return value == null ? Optional.empty() : Optional.of(new YamlField(field.child(key), value));
    }

    /** The keys, in the order written. */
    List<String> keys() {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
