package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What {@link HttpFuzzTest} requires of an answer beyond its status: a 400 only for a body that is not a plain JSON
 * object, and a prediction whose outputs are well-formed tensor payloads (docs/tensor-payloads.md) carrying the
 * right numbers.
 */
final class FuzzAnswers {
    /** The element size of each dtype. */
    private static final Map<String, Integer> DTYPES = Map.of("bool", 1, "uint8", 1, "int8", 1, "int16", 2,
            "int32", 4, "int64", 8, "float16", 2, "bfloat16", 2, "float32", 4, "float64", 8);

    /** A parser as strict as the server's: a name twice is an error. */
    private static final JsonFactory STRICT = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** Keeps decimals as written, so that a float32 is read from its text once, not through a double. */
    private static final ObjectMapper EXACT = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private FuzzAnswers() {}

    /**
     * Whether {@code body} is one JSON object and nothing else, every name once, within the parser's limits: the
     * server must not call such a body "not JSON" (400), whatever else is wrong with it.
     */
    static boolean isPlainJsonObject(byte[] body) {
        try (JsonParser p = STRICT.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() != null) {
                if (p.currentToken().isNumeric()) {
                    p.getNumberValue(); // numbers are checked against the parser's limits when read
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Checks a 200 answer to a predict: the model and version, every output a well-formed payload, and, when the
     * scale model (y = 3 x) answered with both outputs, {@code y = 3 * x_copy} element by element.
     */
    static void checkPrediction(byte[] answer, String about) {
        JsonNode body;
        try {
            body = EXACT.readTree(answer);
        } catch (IOException e) {
            throw new AssertionError("answer is not JSON: " + about, e);
        }
        assertThat(body.path("model").isTextual()).as(about).isTrue();
        assertThat(body.path("version").canConvertToLong()).as(about).isTrue();
        JsonNode outputs = body.path("outputs");
        assertThat(outputs.isObject() && outputs.size() > 0).as("outputs: " + about).isTrue();
        for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            checkPayload(e.getValue(), "output " + e.getKey() + " of " + about);
        }
        if (body.path("model").asText().equals("scale") && outputs.has("y") && outputs.has("x_copy")) {
            float[] x = floats(outputs.get("x_copy"));
            float[] y = floats(outputs.get("y"));
            assertThat(y.length).as(about).isEqualTo(x.length);
            for (int i = 0; i < x.length; i++) {
                assertThat(Float.floatToIntBits(y[i])).as("y[%d] = 3 * %s, got %s: %s", i, x[i], y[i], about)
                        .isEqualTo(Float.floatToIntBits(3f * x[i]));
            }
        }
    }

    private static void checkPayload(JsonNode payload, String about) {
        assertThat(payload.isObject()).as(about).isTrue();
        String dtype = payload.path("dtype").asText();
        assertThat(DTYPES).as("dtype of " + about).containsKey(dtype);
        JsonNode shape = payload.path("shape");
        assertThat(shape.isArray()).as("shape of " + about).isTrue();
        long count = 1;
        for (JsonNode d : shape) {
            assertThat(d.canConvertToLong() && d.asLong() >= 0).as("shape of " + about).isTrue();
            count *= d.asLong();
        }
        assertThat(payload.size()).as("keys of " + about).isEqualTo(3);
        if (payload.has("base64")) {
            byte[] bytes = Base64.getDecoder().decode(payload.get("base64").asText());
            assertThat((long) bytes.length).as("base64 length of " + about).isEqualTo(count * DTYPES.get(dtype));
        } else {
            List<JsonNode> leaves = new ArrayList<>();
            leaves(payload.path("data"), shape, 0, leaves, about);
            assertThat((long) leaves.size()).as("elements of " + about).isEqualTo(count);
            for (JsonNode leaf : leaves) {
                boolean ok = switch (dtype) {
                    case "bool" -> leaf.isBoolean();
                    case "float16", "bfloat16", "float32", "float64" -> leaf.isNumber()
                            || List.of("NaN", "Infinity", "-Infinity").contains(leaf.asText());
                    default -> leaf.isIntegralNumber();
                };
                assertThat(ok).as("element %s of %s", leaf, about).isTrue();
            }
        }
    }

    private static void leaves(JsonNode data, JsonNode shape, int axis, List<JsonNode> out, String about) {
        if (axis == shape.size()) {
            assertThat(data.isContainerNode()).as("a value where the shape ends: " + about).isFalse();
            out.add(data);
            return;
        }
        assertThat(data.isArray() && data.size() == shape.get(axis).asInt())
                .as("data at axis %d against shape %s: %s", axis, shape, about).isTrue();
        for (JsonNode item : data) {
            leaves(item, shape, axis + 1, out, about);
        }
    }

    /** The elements of a float32 payload; each decimal read straight to a float. */
    private static float[] floats(JsonNode payload) {
        if (payload.has("base64")) {
            ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(payload.get("base64").asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }
        List<JsonNode> leaves = new ArrayList<>();
        leaves(payload.get("data"), payload.get("shape"), 0, leaves, "float32 payload");
        float[] out = new float[leaves.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode leaf = leaves.get(i);
            out[i] = leaf.isTextual() ? Float.parseFloat(leaf.asText())
                    : Float.parseFloat(leaf.decimalValue().toString());
        }
        return out;
    }
}
