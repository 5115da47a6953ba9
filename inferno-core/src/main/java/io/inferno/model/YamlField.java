package io.inferno.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A node of a parsed model.yaml and the field path that leads to it, such as {@code signature.inputs[1].dtype}
 * (empty for the top level).
 */
record YamlField(String path, JsonNode node) {
    /** The path of a key of this map node. */
    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The path of an element of this list node. */
    String element(int index) {
        return path + "[" + index + "]";
    }
}
