package io.inferno.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.inferno.InvalidInputException;
import java.io.IOException;
import java.util.Locale;

/** Builds the codec's error messages, so every one names the input and quotes what came the same way. */
final class Rejection {
    /** Longer strings and numbers are cut when quoted, so a hostile payload cannot bloat an error response. */
    private static final int MAX_QUOTED = 40;

    private Rejection() {}

    /** An exception with one {@linkplain #problem problem}. */
    static InvalidInputException of(String input, String format, Object... args) {
        return new InvalidInputException(problem(input, format, args));
    }

    /**
     * {@code input '<name>': <problem>}, formatted with {@link Locale#ROOT}. Text from the payload goes in
     * {@code args}, never in {@code format}.
     */
    static String problem(String input, String format, Object... args) {
        return "input '" + input + "': " + String.format(Locale.ROOT, format, args);
    }

    /** What the parser holds at {@code token}, for "X is &lt;this&gt;, expected Y" messages. */
    static String describe(JsonParser parser, JsonToken token) throws IOException {
        if (token == null) {
            return "the end of the input";
        }
        return switch (token) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> '"' + cut(parser.getText()) + '"';
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> cut(parser.getText());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> "null";
            case VALUE_EMBEDDED_OBJECT -> "an embedded value";
            default -> token.asString() != null ? token.asString() : token.name();
        };
    }

    private static String cut(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
    }
}
