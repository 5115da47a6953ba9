package io.inferno.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Converts the nodes of a parsed model.yaml to values, collecting a problem for every node of the wrong type, out
 * of range or unknown, instead of stopping at the first. Each problem reads {@code <field path>: <what is wrong>}
 * and quotes the offending value. A conversion that fails returns empty; the caller carries on with the rest.
 */
final class ConfigWalker {
    static final String TOP_LEVEL = "(top level)";

    private final List<String> problems = new ArrayList<>();

    void problem(String path, String message) {
        problems.add((path.isEmpty() ? TOP_LEVEL : path) + ": " + message);
    }

    /** How many problems so far; compare before and after reading a section to know whether it was clean. */
    int count() {
        return problems.size();
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    /** The value of a required key, reporting it when missing. */
    Optional<YamlField> require(YamlMap map, String key) {
        Optional<YamlField> value = map.get(key);
        if (value.isEmpty()) {
            problem(map.field().child(key), "required but missing");
        }
        return value;
    }

    /** A map with any keys. */
    Optional<YamlMap> map(YamlField f) {
        if (f.node() instanceof ObjectNode object) {
            return Optional.of(new YamlMap(f, object));
        }
        return mismatch(f, "a map");
    }

    /** A map whose keys are all in {@code allowed}; each other key is a problem. */
    Optional<YamlMap> map(YamlField f, Set<String> allowed) {
        Optional<YamlMap> map = map(f);
        map.ifPresent(m -> {
            for (String key : m.keys()) {
                if (!allowed.contains(key)) {
                    problem(f.child(key), "unknown key; expected one of " + String.join(", ", new TreeSet<>(allowed)));
                }
            }
        });
        return map;
    }

    /** The elements of a list, each with its indexed path. */
    Optional<List<YamlField>> list(YamlField f) {
        if (!f.node().isArray()) {
            return mismatch(f, "a list");
        }
        List<YamlField> elements = new ArrayList<>(f.node().size());
        for (int i = 0; i < f.node().size(); i++) {
            elements.add(new YamlField(f.element(i), f.node().get(i)));
        }
        return Optional.of(elements);
    }

    /** A non-empty string. */
    Optional<String> text(YamlField f) {
        if (!f.node().isTextual()) {
            return mismatch(f, "a string");
        }
        if (f.node().textValue().isEmpty()) {
            problem(f.path(), "must not be empty");
            return Optional.empty();
        }
        return Optional.of(f.node().textValue());
    }

    /** A non-empty string matching {@code pattern}; {@code expected} says what it should be, for the problem. */
    Optional<String> text(YamlField f, Pattern pattern, String expected) {
        Optional<String> text = text(f);
        if (text.isPresent() && !pattern.matcher(text.get()).matches()) {
            problem(f.path(), "expected " + expected + ", got " + quote(text.get()));
            return Optional.empty();
        }
        return text;
    }

    /** {@code true} or {@code false}, never a string. */
    Optional<Boolean> bool(YamlField f) {
        if (!f.node().isBoolean()) {
            return mismatch(f, "true or false");
        }
        return Optional.of(f.node().booleanValue());
    }

    /** A whole number of at least {@code min} that fits in a long; floats such as {@code 1.0} are refused. */
    Optional<Long> integer(YamlField f, long min) {
        return integer(f, min, Long.MAX_VALUE);
    }

    /** A whole number of at least {@code min} that fits in an int. */
    Optional<Integer> intValue(YamlField f, int min) {
        return integer(f, min, Integer.MAX_VALUE).map(Long::intValue);
    }

    private Optional<Long> integer(YamlField f, long min, long max) {
        JsonNode n = f.node();
        String expected = "an integer >= " + min;
        if (!n.isIntegralNumber()) {
            return mismatch(f, expected);
        }
        if (!n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            problem(f.path(), "expected " + expected + (max < Long.MAX_VALUE ? " and <= " + max : "")
                    + ", got " + describe(n));
            return Optional.empty();
        }
        return Optional.of(n.longValue());
    }

    private <T> Optional<T> mismatch(YamlField f, String expected) {
        problem(f.path(), "expected " + expected + ", got " + describe(f.node()));
        return Optional.empty();
    }

    /** A value in single quotes, shortened when long so that one problem stays one readable line. */
    static String quote(String value) {
        int max = 80;
        return "'" + (value.length() > max ? value.substring(0, max) + "..." : value) + "'";
    }

    /** The node's kind and, for scalars, its value, as quoted in problems: {@code the string '32'}. */
    static String describe(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "the string " + quote(n.textValue());
            case NUMBER -> (n.isIntegralNumber() ? "the integer " : "the float ") + n.asText();
            case BOOLEAN -> "the boolean " + n.asText();
            case NULL, MISSING -> "nothing (null)";
            case ARRAY -> "a list";
            case OBJECT -> "a map";
            case BINARY, POJO -> "binary data";
        };
    }
}
