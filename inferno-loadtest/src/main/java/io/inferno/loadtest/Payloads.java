package io.inferno.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Random;

/**
 * Builds a predict body from a model's signature as the server describes it ({@code GET /v1/models/{name}}):
 * every required input, with {@code batch} rows and the other symbolic or any ({@code -1}) dimensions from
 * {@code --dim} (8 by default), filled with small random values of the input's dtype.
 */
final class Payloads {
    private static final long DEFAULT_DIM = 8;

    private Payloads() {}

    /**
     * @param description the server's description of the model: an object with {@code signature.inputs[]}, each
     *     {@code {name, dtype, shape, optional}}
     * @throws IllegalArgumentException when the description has no usable signature
     */
    static byte[] generate(ObjectMapper mapper, JsonNode description, int batch, Map<String, Long> dims,
            long seed) throws Exception {
        JsonNode inputs = description.path("signature").path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw new IllegalArgumentException("the model description has no signature.inputs: " + description);
        }
        Random random = new Random(seed);
        ObjectNode body = mapper.createObjectNode();
        ObjectNode tensors = body.putObject("inputs");
        for (JsonNode input : inputs) {
            if (input.path("optional").asBoolean(false)) {
                continue;
            }
            String dtype = input.path("dtype").asText();
            JsonNode shapeSpec = input.path("shape");
            long[] shape = new long[shapeSpec.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeSpec.get(i);
                if (d.isIntegralNumber() && d.asLong() >= 0) {
                    shape[i] = d.asLong();
                } else if (i == 0 && d.asText().equals("batch")) {
                    shape[i] = batch;
                } else {
                    shape[i] = dims.getOrDefault(d.asText(), DEFAULT_DIM);
                }
            }
            ObjectNode payload = tensors.putObject(input.path("name").asText());
            payload.put("dtype", dtype);
            ArrayNode shapeNode = payload.putArray("shape");
            long count = 1;
            for (long d : shape) {
                shapeNode.add(d);
                count *= d;
            }
            payload.set("data", nested(mapper, dtype, shape, 0, random, count));
        }
        return mapper.writeValueAsBytes(body);
    }

    private static JsonNode nested(ObjectMapper mapper, String dtype, long[] shape, int depth, Random random,
            long count) {
        if (depth == shape.length) {
            return value(mapper, dtype, random);
        }
        ArrayNode list = mapper.createArrayNode();
        for (long i = 0; i < shape[depth]; i++) {
            list.add(nested(mapper, dtype, shape, depth + 1, random, count));
        }
        return list;
    }

    private static JsonNode value(ObjectMapper mapper, String dtype, Random random) {
        var f = mapper.getNodeFactory();
        return switch (dtype) {
            case "bool" -> f.booleanNode(random.nextBoolean());
            case "uint8", "int8", "int16", "int32", "int64" -> f.numberNode(random.nextInt(100));
            default -> f.numberNode(Math.round(random.nextFloat() * 1000) / 1000.0f);
        };
    }
}
