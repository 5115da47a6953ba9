package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The server's OpenAPI document (the {@code openapi.json} resource the server serves) as a test oracle: finds the
 * operation a request goes to and checks an answer against it. An answer must have a status the operation declares,
 * a declared content type, a body valid against the declared schema (JSON Schema validation with networknt's
 * OpenAPI 3.0 dialect), and every header the response declares as required, each valid against its schema.
 */
final class OpenApiContract {
    static final String RESOURCE = "openapi.json";

    private final JsonNode document;
    private final SchemaRegistry registry = SchemaRegistry.withDialect(Dialects.getOpenApi30());
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final List<Operation> operations = new ArrayList<>();

    /**
     * One operation of the document.
     *
     * @param method upper case
     * @param template the path as the document writes it, such as {@code /v1/models/{name}:predict}
     * @param node the operation object
     */
    record Operation(String method, String template, JsonNode node) {
        String id() {
            return node.get("operationId").asText();
        }

        /** The declared statuses, as the document writes them. */
        Set<String> statuses() {
            Set<String> statuses = new TreeSet<>();
            node.get("responses").fieldNames().forEachRemaining(statuses::add);
            return statuses;
        }

        /** A path of this operation with every parameter replaced by {@code value}. */
        String path(String value) {
            return template.replaceAll("\\{[^}]+}", value);
        }

        private Pattern pattern() {
            StringBuilder regex = new StringBuilder("^");
            for (String part : template.split("\\{[^}]+}", -1)) {
                if (regex.length() > 1) {
                    regex.append("[^/]+");
                }
                regex.append(Pattern.quote(part));
            }
            return Pattern.compile(regex.append('$').toString());
        }

        /** The characters of the template outside parameters: the more, the more specific. */
        private int literalLength() {
            return template.replaceAll("\\{[^}]+}", "").length();
        }
    }

    /**
     * An answer as it came off the wire.
     *
     * @param status the status code
     * @param headers header name (any case) to value
     * @param body the body's bytes
     */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst();
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + headers + " " + (text.length() <= 500 ? text : text.substring(0, 500) + "...");
        }
    }

    OpenApiContract() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/" + RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the class path").isNotNull();
            document = ServerHarness.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fields().forEachRemaining(m -> operations.add(
                    new Operation(m.getKey().toUpperCase(Locale.ROOT), path.getKey(), m.getValue())));
        }
    }

    JsonNode document() {
        return document;
    }

    List<Operation> operations() {
        return List.copyOf(operations);
    }

    /** Every operation as {@code METHOD path}, as {@link InfernoServer#registeredRoutes()} writes routes. */
    Set<String> routes() {
        Set<String> routes = new TreeSet<>();
        operations.forEach(o -> routes.add(o.method() + " " + o.template()));
        return routes;
    }

    /** The operation a request goes to: the most specific template that matches the path. */
    Operation operation(String method, String path) {
        return operations.stream()
                .filter(o -> o.method().equals(method) && o.pattern().matcher(path).matches())
                .max(Comparator.comparingInt(Operation::literalLength))
                .orElseThrow(() -> new AssertionError("the document has no operation for " + method + " " + path));
    }

    /** Follows a {@code $ref} within the document, if the node is one. */
    JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            node = document.at(node.get("$ref").asText().substring(1));
            assertThat(node.isMissingNode()).as("a $ref that points nowhere").isFalse();
        }
        return node;
    }

    /** The problems of a JSON text against a schema of the document, {@code {"$ref": "#/components/..."}}. */
    List<String> problems(JsonNode schemaRef, String json) {
        assertThat(schemaRef.has("$ref")).as("JSON bodies are described by a named schema: %s", schemaRef).isTrue();
        Schema schema = schemas.computeIfAbsent(schemaRef.get("$ref").asText(),
                ref -> registry.getSchema(SchemaLocation.of("classpath:" + RESOURCE + ref)));
        return schema.validate(json, InputFormat.JSON).stream().map(Object::toString).toList();
    }

    /** The problems of a JSON text against {@code #/components/schemas/<name>}. */
    List<String> problems(String schemaName, String json) {
        return problems(ServerHarness.JSON.createObjectNode().put("$ref", "#/components/schemas/" + schemaName),
                json);
    }

    /**
     * Checks a request body the test sends against the operation's request body schema: the JSON object, which with
     * {@code Inference-Header-Content-Length} is the body's first {@code jsonLength} bytes.
     */
    void checkRequest(Operation op, byte[] body, int jsonLength) {
        JsonNode content = resolve(op.node().path("requestBody")).path("content");
        assertThat(content.has("application/json")).as("%s %s takes a JSON body", op.method(), op.template())
                .isTrue();
        String json = new String(body, 0, jsonLength, StandardCharsets.UTF_8);
        assertThat(problems(content.get("application/json").get("schema"), json))
                .as("request body of %s against the document: %s", op.id(), json).isEmpty();
    }

    /** Checks an answer against the operation's declared response for its status; see the class comment. */
    void checkAnswer(Operation op, Answer answer) {
        String status = Integer.toString(answer.status());
        JsonNode responses = op.node().get("responses");
        assertThat(responses.has(status)).as("%s (%s %s) declares status %s; the server answered %s", op.id(),
                op.method(), op.template(), status, answer).isTrue();
        JsonNode response = resolve(responses.get(status));
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode header = resolve(h.getValue());
            Optional<String> value = answer.header(h.getKey());
            if (header.path("required").asBoolean(false)) {
                assertThat(value).as("%s %s: header %s; answer %s", op.id(), status, h.getKey(), answer).isPresent();
            }
            value.ifPresent(v -> checkHeader(op, status, h.getKey(), header.get("schema"), v));
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            assertThat(answer.body()).as("%s %s has no body", op.id(), status).isEmpty();
            return;
        }
        String type = answer.header("Content-Type").orElse("").split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        assertThat(content.has(type)).as("%s %s: content type %s is one of %s", op.id(), status, type,
                ServerHarness.JSON.valueToTree(fieldNames(content))).isTrue();
        switch (type) {
            case "application/json" -> assertThat(problems(content.get(type).get("schema"), answer.text()))
                    .as("%s %s body against the document: %s", op.id(), status, answer).isEmpty();
            case "application/octet-stream" -> {
                // Triton's binary extension: the JSON object, then the binary tensors; the object is checked
                int jsonLength = Integer.parseInt(answer.header(V2Bodies.HEADER_LENGTH).orElseThrow(
                        () -> new AssertionError("a binary answer without " + V2Bodies.HEADER_LENGTH)));
                String json = new String(answer.body(), 0, jsonLength, StandardCharsets.UTF_8);
                assertThat(problems(content.get("application/json").get("schema"), json))
                        .as("%s %s JSON part against the document: %s", op.id(), status, json).isEmpty();
            }
            default -> assertThat(content.get(type).path("schema").path("type").asText())
                    .as("%s %s: a %s body is text", op.id(), status, type).isEqualTo("string");
        }
    }

    private void checkHeader(Operation op, String status, String name, JsonNode schema, String value) {
        String json;
        if (schema.path("type").asText().equals("integer")) {
            assertThat(value).as("%s %s: header %s is an integer", op.id(), status, name).matches("-?[0-9]+");
            json = value;
        } else {
            json = ServerHarness.JSON.getNodeFactory().textNode(value).toString();
        }
        JsonNode wrapped = ServerHarness.JSON.createObjectNode().set("schema", schema);
        List<String> problems = schemas.computeIfAbsent("header " + wrapped,
                key -> registry.getSchema(schema.toString(), InputFormat.JSON))
                .validate(json, InputFormat.JSON).stream().map(Object::toString).toList();
        assertThat(problems).as("%s %s: header %s: %s", op.id(), status, name, value).isEmpty();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
