package io.inferno.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.ModelDescription;
import io.inferno.ModelStatus;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.codec.Codec;
import io.inferno.codec.TensorCodec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The native REST API's bodies (docs/api.md), both ways: predict requests and admin bodies written, predictions,
 * descriptions, model lists and error details read. Tensors go through core's {@link TensorCodec}, the same code
 * the server decodes them with.
 */
final class Wire {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper TREES = new ObjectMapper(JSON);

    private Wire() {}

    /** The body of {@code POST .../:predict}: inputs in {@code codec}, and the answer asked in {@code codec}. */
    static byte[] predict(PredictRequest request, Codec codec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (int) Math.min(1 << 20, byteSize(request)));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("inputs");
            for (Map.Entry<String, Tensor> input : request.inputs().entrySet()) {
                g.writeFieldName(input.getKey());
                TensorCodec.encode(g, input.getValue(), codec);
            }
            g.writeEndObject();
            if (request.outputs().isPresent()) {
                g.writeArrayFieldStart("outputs");
                for (String name : request.outputs().get()) {
                    g.writeString(name);
                }
                g.writeEndArray();
            }
            if (request.timeout().isPresent()) {
                // whole milliseconds, rounded up: a timeout under 1 ms is still a timeout, not the model's default
                long nanos = request.timeout().get().toNanos();
                g.writeNumberField("timeout_ms", Math.max(1, (nanos + 999_999) / 1_000_000));
            }
            g.writeStringField("codec", codec.wireName());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }

    private static long byteSize(PredictRequest request) {
        return request.inputs().values().stream().mapToLong(Tensor::byteSize).sum();
    }

    /** The body of {@code POST /v1/models:load} and {@code :unload}. */
    static byte[] admin(String name, long version) {
        try {
            return TREES.writeValueAsBytes(TREES.createObjectNode().put("name", name).put("version", version));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A prediction's answer: {@code {"model", "version", "outputs": {name: payload}}}. */
    static Prediction prediction(byte[] body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "an object");
            String model = null;
            long version = 0;
            Map<String, Tensor> outputs = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "model" -> model = p.getValueAsString();
                    case "version" -> version = p.getValueAsLong();
                    case "outputs" -> outputs = TensorCodec.decodeNamed(p);
                    default -> p.skipChildren();
                }
                expect(value != null, "a complete object");
            }
            expect(model != null && version > 0 && outputs != null, "model, version and outputs");
            return new Prediction(model, version, outputs);
        }
    }

    /** {@code GET /v1/models/{name}}: metadata and signature. */
    static ModelDescription description(byte[] body) throws IOException {
        JsonNode o = tree(body);
        JsonNode sig = o.path("signature");
        JsonNode b = o.path("batching");
        BatchingConfig batching = new BatchingConfig(b.path("max_batch_size").asInt(),
                b.path("max_batch_latency_ms").asLong(), b.path("max_queue_size").asInt(),
                b.path("timeout_ms").asLong());
        return new ModelDescription(text(o, "name"), o.path("version").asLong(), text(o, "format"),
                new Signature(specs(sig.path("inputs")), specs(sig.path("outputs"))), batching,
                o.path("concurrency").path("max_concurrency").asInt(), Codec.forName(o.at("/codecs/default").asText()));
    }

    private static List<TensorSpec> specs(JsonNode array) {
        List<TensorSpec> specs = new ArrayList<>();
        for (JsonNode t : array) {
            List<Dim> shape = new ArrayList<>();
            for (JsonNode d : t.path("shape")) {
                shape.add(d.isTextual() ? Dim.symbolic(d.asText()) : d.asLong() < 0 ? Dim.ANY : Dim.fixed(d.asLong()));
            }
            specs.add(new TensorSpec(text(t, "name"), DType.forName(text(t, "dtype")), shape,
                    t.path("optional").asBoolean(false)));
        }
        return specs;
    }

    /** {@code GET /v1/models}: every model's status. */
    static List<ModelStatus> models(byte[] body) throws IOException {
        List<ModelStatus> models = new ArrayList<>();
        for (JsonNode m : tree(body).path("models")) {
            List<ModelStatus.Failure> failures = new ArrayList<>();
            for (JsonNode f : m.path("failures")) {
                failures.add(new ModelStatus.Failure(version(f.path("version")), text(f, "reason")));
            }
            models.add(new ModelStatus(text(m, "name"), version(m.path("active_version")),
                    longs(m.path("loaded_versions")), longs(m.path("versions_on_disk")), failures));
        }
        return models;
    }

    /**
     * An error body: {@code {"detail": "...", "problems": [...]}}.
     *
     * @param detail the message
     * @param problems each problem of an invalid request, else empty
     */
    record Error(String detail, List<String> problems) {}

    /** An error body read, or the body itself (cut short) as its detail when it is not one. */
    static Error error(byte[] body) {
        try {
            JsonNode tree = tree(body);
            JsonNode detail = tree.get("detail");
            if (detail != null && detail.isTextual()) {
                List<String> problems = new ArrayList<>();
                tree.path("problems").forEach(p -> problems.add(p.asText()));
                return new Error(detail.asText(), List.copyOf(problems));
            }
        } catch (IOException | RuntimeException notJson) {
            // below
        }
        String text = new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8);
        return new Error(text.isBlank() ? "(no body)" : text + (body.length > 500 ? "..." : ""), List.of());
    }

    private static JsonNode tree(byte[] body) throws IOException {
        JsonNode node = TREES.readTree(body);
        expect(node != null && node.isObject(), "an object");
        return node;
    }

    private static String text(JsonNode o, String field) throws IllegalArgumentException {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' is missing or not a string");
        }
        return v.asText();
    }

    private static OptionalLong version(JsonNode v) {
        return v.isIntegralNumber() ? OptionalLong.of(v.asLong()) : OptionalLong.empty();
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asLong()));
        return out;
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("expected " + what);
        }
    }
}
