package io.inferno.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.inferno.InvalidInputException;
import io.inferno.codec.Codec;
import io.inferno.codec.TensorCodec;
import io.inferno.tensor.Tensor;
import io.inferno.text.ClientText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Request and response bodies, read and written with Jackson's streaming API: a predict body is decoded straight
 * from the received bytes (parsed in place, see {@link RequestIntake}) into tensors, with no tree or String of the
 * whole body in between.
 */
final class Bodies {
    /** The largest {@code timeout_ms} a request may ask for: 24 hours. */
    static final long MAX_TIMEOUT_MS = 86_400_000L;

    static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // the parser shows its input bytes, so that TensorCodec decodes base64 straight from them
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private Bodies() {}

    /**
     * A decoded predict body.
     *
     * @param inputs input name to tensor
     * @param outputs the outputs asked for, or empty for all
     * @param timeoutMs the request's own queue timeout
     * @param codec the response codec asked for, or empty for the model's default
     */
    record Predict(Map<String, Tensor> inputs, Optional<List<String>> outputs, OptionalLong timeoutMs,
            Optional<Codec> codec) {}

    /**
     * An admin body: {@code {"name": "...", "version": N}}.
     */
    record Admin(String name, long version) {}

    /** Decodes a predict body from {@code body[0, length)}. */
    static Predict readPredict(byte[] body, int length) throws IOException {
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            requireObject(p);
            Map<String, Tensor> inputs = null;
            Optional<List<String>> outputs = Optional.empty();
            OptionalLong timeout = OptionalLong.empty();
            Optional<Codec> codec = Optional.empty();
            List<String> problems = new ArrayList<>();
            int omitted = 0; // problems counted beyond the ones kept
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "inputs" -> {
                        if (value == JsonToken.START_OBJECT) {
                            try {
                                inputs = TensorCodec.decodeNamed(p);
                            } catch (InvalidInputException e) {
                                problems.addAll(e.problems());
                                throw new InvalidInputException(problems, omitted);
                            }
                        } else {
                            problems.add("inputs must be an object of input name to tensor payload, got "
                                    + kind(value));
                            p.skipChildren();
                        }
                    }
                    case "outputs" -> outputs = Optional.ofNullable(readNames(p, value, problems));
                    case "timeout_ms" -> {
                        boolean integer = value == JsonToken.VALUE_NUMBER_INT;
                        boolean huge = integer && (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                                || p.getLongValue() > MAX_TIMEOUT_MS);
                        if (integer && !huge && p.getLongValue() > 0) {
                            timeout = OptionalLong.of(p.getLongValue());
                        } else if (huge) {
                            problems.add("timeout_ms must be at most " + MAX_TIMEOUT_MS + " (24 hours), got "
                                    + ClientText.truncate(p.getText(), ClientText.WHOLE));
                        } else {
                            problems.add("timeout_ms must be a positive integer (milliseconds), got "
                                    + (value.isScalarValue() ? ClientText.truncate(p.getText(), ClientText.WHOLE) : kind(value)));
                            p.skipChildren();
                        }
                    }
                    case "codec" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            try {
                                codec = Optional.of(Codec.forName(p.getText()));
                            } catch (IllegalArgumentException e) {
                                problems.add("codec: " + e.getMessage());
                            }
                        } else {
                            problems.add("codec must be \"json\" or \"base64\", got " + kind(value));
                            p.skipChildren();
                        }
                    }
                    default -> {
                        if (problems.size() < InvalidInputException.MAX_PROBLEMS) {
                            problems.add("unknown field " + ClientText.quote(field) + "; a predict body has inputs, "
                                    + "outputs, timeout_ms and codec");
                        } else {
                            omitted++; // counted, not kept: a body of unknown fields must not become a big answer
                        }
                        p.skipChildren();
                    }
                }
            }
            requireEnd(p);
            if (inputs == null && problems.stream().noneMatch(s -> s.startsWith("inputs"))) {
                problems.add("inputs is required: an object of input name to tensor payload");
            }
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems, omitted);
            }
            return new Predict(inputs, outputs, timeout, codec);
        }
    }

    private static List<String> readNames(JsonParser p, JsonToken value, List<String> problems) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            problems.add("outputs must be a list of output names, got " + kind(value));
            p.skipChildren();
            return null;
        }
        List<String> names = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                names.add(p.getText());
            } else {
                problems.add("outputs must be a list of output names, found " + kind(t));
                p.skipChildren();
            }
        }
        return names;
    }

    /** Decodes an admin body from {@code body[0, length)}. */
    static Admin readAdmin(byte[] body, int length) throws IOException {
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            requireObject(p);
            String name = null;
            long version = -1;
            List<String> problems = new ArrayList<>();
            int omitted = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> {
                        if (value == JsonToken.VALUE_STRING && !p.getText().isEmpty()) {
                            name = p.getText();
                        } else {
                            problems.add("name must be a model name (a non-empty string), got " + kind(value));
                        }
                    }
                    case "version" -> {
                        if (value == JsonToken.VALUE_NUMBER_INT
                                && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() > 0) {
                            version = p.getLongValue();
                        } else {
                            problems.add("version must be a positive integer, got "
                                    + (value.isScalarValue() ? ClientText.truncate(p.getText(), ClientText.WHOLE) : kind(value)));
                        }
                    }
                    default -> {
                        if (problems.size() < InvalidInputException.MAX_PROBLEMS) {
                            problems.add("unknown field " + ClientText.quote(field) + "; expected name and version");
                        } else {
                            omitted++;
                        }
                    }
                }
                p.skipChildren();
            }
            requireEnd(p);
            if (name == null && problems.stream().noneMatch(s -> s.startsWith("name"))) {
                problems.add("name is required");
            }
            if (version < 0 && problems.stream().noneMatch(s -> s.startsWith("version"))) {
                problems.add("version is required");
            }
            if (!problems.isEmpty()) {
                throw new InvalidInputException(problems, omitted);
            }
            return new Admin(name, version);
        }
    }

    private static void requireObject(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new HttpProblem(400, "request body is empty; expected a JSON object");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new HttpProblem(400, "request body must be a JSON object, got " + kind(first));
        }
    }

    private static void requireEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new HttpProblem(400, "request body has content after its JSON object");
        }
    }

    static String kind(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "a list";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    /** The bytes the tensors' elements take. */
    static long byteSize(Collection<Tensor> tensors) {
        long bytes = 0;
        for (Tensor t : tensors) {
            bytes += t.byteSize();
        }
        return bytes;
    }

    /** {@code {"model": ..., "version": N, "outputs": {name: payload}}}. */
    static byte[] prediction(String model, long version, Map<String, Tensor> outputs, Codec codec)
            throws IOException {
        long estimate = 64;
        for (Tensor t : outputs.values()) {
            estimate += codec == Codec.BASE64 ? t.byteSize() * 4L / 3 + 64 : t.shape().elementCount() * 12L + 64;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(estimate, 1 << 26));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeNumberField("version", version);
            g.writeFieldName("outputs");
            g.writeStartObject();
            for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
                g.writeFieldName(e.getKey());
                TensorCodec.encode(g, e.getValue(), codec);
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
