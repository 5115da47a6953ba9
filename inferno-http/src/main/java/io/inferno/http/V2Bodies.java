package io.inferno.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.inferno.InvalidInputException;
import io.inferno.Prediction;
import io.inferno.codec.TensorCodec;
import io.inferno.protocol.V2;
import io.inferno.protocol.V2Datatype;
import io.inferno.protocol.V2ModelMetadata;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.text.ClientText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Open Inference Protocol's REST bodies (kserve/open-inference-protocol, {@code inference_rest.md}) with
 * Triton's binary tensor data extension ({@code extension_binary_data.md}), read and written with Jackson's
 * streaming API like {@link Bodies}: no tree of the body, elements converted with primitive accessors.
 *
 * <p>Binary data: when the request has an {@code Inference-Header-Content-Length} header, the body's first that
 * many bytes are the JSON object and the rest are the binary inputs' bytes, one after the other in the order of
 * {@code inputs}; each binary input says its size in {@code parameters.binary_data_size} and has no {@code data}.
 * Each becomes a tensor with one copy (received array to tensor buffer). Outputs asked for in binary are appended
 * after the JSON answer the same way, with one copy (tensor to answer array).
 */
final class V2Bodies {
    /** The header that splits a body into the JSON object and the binary tensor data. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    static final String BINARY_DATA_SIZE = "binary_data_size";
    static final String BINARY_DATA = "binary_data";
    static final String BINARY_DATA_OUTPUT = "binary_data_output";

    private V2Bodies() {}

    /**
     * A decoded infer request.
     *
     * @param id the request's id, echoed in the answer
     * @param inputs input name to tensor, in request order
     * @param outputs the outputs asked for, in request order, or empty for all
     * @param timeout the queue timeout its parameters ask for (the smaller of {@code timeout_ms} and
     *     {@code timeout})
     * @param binaryOutputs {@code binary_data_output}: whether outputs go binary unless one says otherwise
     */
    record Infer(Optional<String> id, Map<String, Tensor> inputs, Optional<List<RequestedOutput>> outputs,
            Optional<Duration> timeout, boolean binaryOutputs) {

        /** The output names asked for. */
        Optional<List<String>> outputNames() {
            return outputs.map(list -> list.stream().map(RequestedOutput::name).toList());
        }

        /** Whether output {@code name} goes binary: its own {@code binary_data}, else {@code binary_data_output}. */
        boolean binary(String name) {
            if (outputs.isPresent()) {
                for (RequestedOutput o : outputs.get()) {
                    if (o.name().equals(name) && o.binary().isPresent()) {
                        return o.binary().get();
                    }
                }
            }
            return binaryOutputs;
        }
    }

    /** An output asked for, and its own {@code binary_data} if it has one. */
    record RequestedOutput(String name, Optional<Boolean> binary) {}

    /**
     * An answer body.
     *
     * @param bytes the whole body
     * @param headerLength the JSON object's length when binary outputs follow it, else empty
     */
    record Answer(byte[] bytes, OptionalInt headerLength) {}

    /** An input as the JSON header declares it, before its elements are known. */
    private static final class Draft {
        String name;
        String datatype;
        DType dtype;
        Shape shape;
        long binarySize = -1;
        boolean hasData;
        TokenBuffer pendingData; // data that came before datatype or shape
        Tensor tensor;

        String label() {
            return "Input " + ClientText.quote(name);
        }

        String what() {
            return label() + " (" + datatype + ", shape " + shape + ")";
        }
    }

    /**
     * The split of a body by its {@code Inference-Header-Content-Length} header.
     *
     * @param header the header's value, or null when there is none
     * @return the JSON object's length
     * @throws HttpProblem 400 for a value that is not a length within the body
     */
    static int jsonLength(String header, int bodyLength) {
        if (header == null) {
            return bodyLength;
        }
        try {
            long n = Long.parseLong(header.trim());
            if (n >= 0 && n <= bodyLength) {
                return (int) n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new HttpProblem(400, HEADER_LENGTH + " must be the length of the JSON object, from 0 to the body's "
                + bodyLength + " bytes, got " + ClientText.quote(header));
    }

    /**
     * Decodes an infer request from {@code body[0, length)}, the first {@code jsonLength} bytes being its JSON
     * object and the rest its binary tensor data.
     *
     * @throws InvalidInputException listing every problem found
     */
    static Infer readInfer(byte[] body, int length, int jsonLength, boolean binaryHeader) throws IOException {
        List<String> problems = new ArrayList<>();
        List<Draft> drafts = new ArrayList<>();
        Optional<String> id = Optional.empty();
        Optional<List<RequestedOutput>> outputs = Optional.empty();
        Duration timeout = null;
        boolean binaryOutputs = false;
        boolean sawInputs = false;
        try (JsonParser p = Bodies.JSON.createParser(body, 0, jsonLength)) {
            requireObject(p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = Optional.ofNullable(string(p, value, "id", problems));
                    case "parameters" -> {
                        if (!isObject(p, value, "parameters", problems)) {
                            continue;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            JsonToken v = p.nextToken();
                            switch (name) {
                                case V2.TIMEOUT_MS, V2.TIMEOUT_US -> {
                                    Duration asked = timeoutParameter(p, name, v, problems);
                                    if (asked != null && (timeout == null || asked.compareTo(timeout) < 0)) {
                                        timeout = asked;
                                    }
                                }
                                case BINARY_DATA_OUTPUT -> {
                                    Boolean b = bool(p, v, "parameter " + BINARY_DATA_OUTPUT, problems);
                                    binaryOutputs = b != null && b;
                                }
                                default -> p.skipChildren(); // other parameters are ignored, as the spec allows
                            }
                        }
                    }
                    case "inputs" -> {
                        sawInputs = true;
                        if (value != JsonToken.START_ARRAY) {
                            problems.add("inputs must be a list of tensors, got " + Bodies.kind(value));
                            p.skipChildren();
                            continue;
                        }
                        JsonToken t;
                        int index = 0;
                        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                            Draft d = readInput(p, t, index++, problems);
                            if (d != null) {
                                drafts.add(d);
                            }
                        }
                    }
                    case "outputs" -> outputs = Optional.ofNullable(readOutputs(p, value, problems));
                    default -> p.skipChildren(); // model_name and the like: the path names the model
                }
            }
            if (p.nextToken() != null) {
                throw new HttpProblem(400, "request body has content after its JSON object"
                        + (binaryHeader ? "; is " + HEADER_LENGTH + " the JSON object's length?" : ""));
            }
        }
        if (!sawInputs) {
            problems.add("inputs is required: a list of tensors, each with name, shape, datatype and data");
        }
        Map<String, Tensor> inputs = assemble(drafts, body, jsonLength, length, binaryHeader, problems);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return new Infer(id, inputs, outputs, Optional.ofNullable(timeout), binaryOutputs);
    }

    private static Draft readInput(JsonParser p, JsonToken start, int index, List<String> problems)
            throws IOException {
        if (start != JsonToken.START_OBJECT) {
            problems.add("inputs[" + index + "] must be an object with name, shape, datatype and data, got "
                    + Bodies.kind(start));
            p.skipChildren();
            return null;
        }
        Draft d = new Draft();
        List<String> own = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> d.name = string(p, value, "name", own);
                case "datatype" -> {
                    d.datatype = string(p, value, "datatype", own);
                    if (d.datatype != null) {
                        try {
                            d.dtype = V2Datatype.dtypeOf(d.datatype);
                        } catch (IllegalArgumentException e) {
                            own.add(e.getMessage());
                        }
                    }
                }
                case "shape" -> d.shape = readShape(p, value, own);
                case "parameters" -> {
                    if (!isObject(p, value, "parameters", own)) {
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken v = p.nextToken();
                        switch (name) {
                            case BINARY_DATA_SIZE -> {
                                if (v == JsonToken.VALUE_NUMBER_INT
                                        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                                        && p.getLongValue() >= 0) {
                                    d.binarySize = p.getLongValue();
                                } else {
                                    own.add(BINARY_DATA_SIZE + " must be a non-negative integer (bytes), got "
                                            + (v.isScalarValue() ? ClientText.quote(p.getText()) : Bodies.kind(v)));
                                    p.skipChildren();
                                }
                            }
                            case "shared_memory_region" -> {
                                own.add("shared memory is not supported; send the data in the request");
                                p.skipChildren();
                            }
                            default -> p.skipChildren();
                        }
                    }
                }
                case "data" -> {
                    d.hasData = true;
                    if (d.dtype != null && d.shape != null && own.isEmpty()) {
                        try {
                            d.tensor = TensorCodec.decodeData(p, d.name == null ? "#" + index : d.name, d.dtype,
                                    d.shape);
                        } catch (InvalidInputException e) {
                            // the parser's position is unspecified after a codec error: stop reading here
                            problems.addAll(e.problems());
                            throw new InvalidInputException(problems);
                        }
                    } else {
                        TokenBuffer buffer = new TokenBuffer(p, null);
                        buffer.copyCurrentStructure(p);
                        d.pendingData = buffer;
                    }
                }
                default -> p.skipChildren();
            }
        }
        requirePresent(d.name, "name", own);
        requirePresent(d.datatype, "datatype", own);
        requirePresent(d.shape, "shape", own);
        if (d.hasData && d.binarySize >= 0) {
            own.add("has both data and " + BINARY_DATA_SIZE + "; send its elements one way");
        } else if (!d.hasData && d.binarySize < 0) {
            own.add("needs data, or parameters." + BINARY_DATA_SIZE + " with its bytes after the JSON object");
        }
        if (own.isEmpty() && d.pendingData != null) {
            try (JsonParser replay = d.pendingData.asParserOnFirstToken()) {
                d.tensor = TensorCodec.decodeData(replay, d.name, d.dtype, d.shape);
            } catch (InvalidInputException e) {
                own.addAll(e.problems());
            }
        }
        String label = d.name == null ? "inputs[" + index + "]" : d.label();
        for (String problem : own) {
            // the codec's messages already name the input
            problems.add(problem.startsWith("input '") ? problem : label + ": " + problem);
        }
        return own.isEmpty() ? d : null;
    }

    /** Notes that {@code field} is required when it is absent and nothing was said about it yet. */
    private static void requirePresent(Object value, String field, List<String> problems) {
        if (value == null && problems.stream().noneMatch(p -> p.startsWith(field + " ") || p.startsWith(field + "["))) {
            problems.add(field + " is required");
        }
    }

    /** The value as a string, or null after noting that {@code field} must be one (and skipping the value). */
    private static String string(JsonParser p, JsonToken value, String field, List<String> problems)
            throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        problems.add(field + " must be a string, got " + Bodies.kind(value));
        p.skipChildren();
        return null;
    }

    /** Whether the value is an object; otherwise notes that {@code field} must be one and skips the value. */
    private static boolean isObject(JsonParser p, JsonToken value, String field, List<String> problems)
            throws IOException {
        if (value == JsonToken.START_OBJECT) {
            return true;
        }
        problems.add(field + " must be an object, got " + Bodies.kind(value));
        p.skipChildren();
        return false;
    }

    private static Shape readShape(JsonParser p, JsonToken value, List<String> problems) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            problems.add("shape must be a list of non-negative integers, got " + Bodies.kind(value));
            p.skipChildren();
            return null;
        }
        long[] dims = new long[4];
        int rank = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0 || rank == 64) {
                problems.add("shape[" + rank + "] must be a non-negative integer"
                        + (rank == 64 ? " and a shape has at most 64 dimensions" : "") + ", got "
                        + (t.isScalarValue() ? ClientText.quote(p.getText()) : Bodies.kind(t)));
                p.skipChildren();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                }
                return null;
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, rank * 2);
            }
            dims[rank++] = p.getLongValue();
        }
        try {
            return Shape.of(Arrays.copyOf(dims, rank));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private static List<RequestedOutput> readOutputs(JsonParser p, JsonToken value, List<String> problems)
            throws IOException {
        if (value != JsonToken.START_ARRAY) {
            problems.add("outputs must be a list of {\"name\": ...} objects, got " + Bodies.kind(value));
            p.skipChildren();
            return null;
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            int index = outputs.size();
            if (t != JsonToken.START_OBJECT) {
                problems.add("outputs[" + index + "] must be an object with a name, got " + Bodies.kind(t));
                p.skipChildren();
                continue;
            }
            String name = null;
            Boolean binary = null;
            List<String> own = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("name") && v == JsonToken.VALUE_STRING) {
                    name = p.getText();
                } else if (field.equals("parameters") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String parameter = p.currentName();
                        JsonToken pv = p.nextToken();
                        switch (parameter) {
                            case BINARY_DATA -> binary = bool(p, pv, "parameter " + BINARY_DATA, own);
                            case "classification" -> {
                                own.add("the classification extension is not supported");
                                p.skipChildren();
                            }
                            case "shared_memory_region" -> {
                                own.add("shared memory is not supported");
                                p.skipChildren();
                            }
                            default -> p.skipChildren();
                        }
                    }
                } else if (field.equals("name") || field.equals("parameters")) {
                    own.add(field + " must be " + (field.equals("name") ? "a string" : "an object") + ", got "
                            + Bodies.kind(v));
                    p.skipChildren();
                } else {
                    p.skipChildren();
                }
            }
            if (name == null && own.isEmpty()) {
                own.add("name is required");
            }
            String label = name == null ? "outputs[" + index + "]" : "Output " + ClientText.quote(name);
            own.forEach(problem -> problems.add(label + ": " + problem));
            outputs.add(new RequestedOutput(name == null ? "" : name, Optional.ofNullable(binary)));
        }
        return outputs;
    }

    private static Duration timeoutParameter(JsonParser p, String name, JsonToken v, List<String> problems)
            throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            try {
                return V2.timeout(name, p.getLongValue());
            } catch (InvalidInputException e) {
                problems.addAll(e.problems());
                return null;
            }
        }
        problems.add("parameter " + name + " must be an integer, got "
                + (v.isScalarValue() ? ClientText.quote(p.getText()) : Bodies.kind(v)));
        p.skipChildren();
        return null;
    }

    private static Boolean bool(JsonParser p, JsonToken v, String what, List<String> problems) throws IOException {
        if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
            return v == JsonToken.VALUE_TRUE;
        }
        problems.add(what + " must be true or false, got " + Bodies.kind(v));
        p.skipChildren();
        return null;
    }

    /** The tensors of the drafts, binary ones copied out of the body's binary part in order. */
    private static Map<String, Tensor> assemble(List<Draft> drafts, byte[] body, int jsonLength, int length,
            boolean binaryHeader, List<String> problems) {
        Map<String, Tensor> inputs = new LinkedHashMap<>(Math.max(4, drafts.size() * 2));
        long offset = jsonLength;
        long binaryTotal = 0;
        boolean sizesKnown = true;
        for (Draft d : drafts) {
            if (inputs.containsKey(d.name)) {
                problems.add(d.label() + " is given more than once");
                continue;
            }
            if (d.binarySize < 0) {
                inputs.put(d.name, d.tensor);
                continue;
            }
            binaryTotal += d.binarySize;
            if (!binaryHeader) {
                problems.add(d.label() + " has " + BINARY_DATA_SIZE + " but the request has no " + HEADER_LENGTH
                        + " header to say where its binary data starts");
                sizesKnown = false;
                continue;
            }
            int byteSize;
            try {
                byteSize = Tensor.checkedByteSize(d.dtype, d.shape);
            } catch (IllegalArgumentException e) {
                problems.add(d.label() + ": " + e.getMessage());
                sizesKnown = false;
                continue;
            }
            if (d.binarySize != byteSize) {
                problems.add(d.what() + " needs " + byteSize + " bytes, its " + BINARY_DATA_SIZE + " is "
                        + d.binarySize);
                sizesKnown = false;
                continue;
            }
            if (offset + byteSize <= length) {
                // the one copy: the intake's array is reused once the exchange ends, a tensor may outlive it
                byte[] bytes = Arrays.copyOfRange(body, (int) offset, (int) offset + byteSize);
                inputs.put(d.name, Tensor.wrap(d.dtype, d.shape, ByteBuffer.wrap(bytes)));
            }
            offset += byteSize;
        }
        long binaryPart = length - (long) jsonLength;
        if (binaryHeader && sizesKnown && binaryTotal != binaryPart) {
            problems.add("the binary data after the JSON object is " + binaryPart + " bytes, the inputs' "
                    + BINARY_DATA_SIZE + " add up to " + binaryTotal + " (" + HEADER_LENGTH + ": " + jsonLength
                    + ", body: " + length + " bytes)");
        }
        return inputs;
    }

    private static void requireObject(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new HttpProblem(400, "request body is empty; expected a JSON object");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new HttpProblem(400, "request body must be a JSON object, got " + Bodies.kind(first));
        }
    }

    // ---- answers

    /** The answer to an infer request: JSON, with the binary outputs after it when any are asked for. */
    static Answer inferAnswer(Prediction prediction, Infer request) throws IOException {
        Map<String, Tensor> outputs = prediction.outputs();
        long estimate = 128;
        long binaryBytes = 0;
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            if (request.binary(e.getKey())) {
                binaryBytes += e.getValue().byteSize();
            } else {
                estimate += e.getValue().shape().elementCount() * 12L + 64;
            }
        }
        ByteArrayOutputStream json = new ByteArrayOutputStream((int) Math.min(estimate, 1 << 26));
        try (JsonGenerator g = Bodies.JSON.createGenerator(json)) {
            g.writeStartObject();
            g.writeStringField("model_name", prediction.model());
            g.writeStringField("model_version", Long.toString(prediction.version()));
            if (request.id().isPresent()) {
                g.writeStringField("id", request.id().get());
            }
            g.writeArrayFieldStart("outputs");
            for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
                Tensor t = e.getValue();
                g.writeStartObject();
                g.writeStringField("name", e.getKey());
                g.writeStringField("datatype", V2Datatype.of(t.dtype()).name());
                writeShape(g, t.shape());
                if (request.binary(e.getKey())) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField(BINARY_DATA_SIZE, t.byteSize());
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    TensorCodec.encodeFlatData(g, t);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        if (binaryBytes == 0) {
            return new Answer(json.toByteArray(), OptionalInt.empty());
        }
        int header = json.size();
        if (header + binaryBytes > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException("the binary outputs take " + binaryBytes
                    + " bytes, more than one answer can hold; ask for fewer outputs or fewer rows");
        }
        byte[] answer = Arrays.copyOf(json.toByteArray(), header + (int) binaryBytes);
        int at = header;
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            if (request.binary(e.getKey())) {
                ByteBuffer data = e.getValue().data();
                int n = data.remaining();
                data.get(answer, at, n); // the one copy out
                at += n;
            }
        }
        return new Answer(answer, OptionalInt.of(header));
    }

    /** {@code {"name", "version", "extensions"}}. */
    static byte[] serverMetadata(List<String> extensions) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = Bodies.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", V2.SERVER_NAME);
            g.writeStringField("version", V2.serverVersion());
            g.writeArrayFieldStart("extensions");
            for (String e : extensions) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** {@code {"name", "versions", "platform", "inputs", "outputs"}}. */
    static byte[] modelMetadata(V2ModelMetadata m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Bodies.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", m.name());
            g.writeArrayFieldStart("versions");
            for (String v : m.versions()) {
                g.writeString(v);
            }
            g.writeEndArray();
            g.writeStringField("platform", m.platform());
            writeTensors(g, "inputs", m.inputs());
            writeTensors(g, "outputs", m.outputs());
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** A JSON object of one field, as the health and ready routes answer. */
    static byte[] flag(String field, boolean value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        try (JsonGenerator g = Bodies.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeBooleanField(field, value);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void writeTensors(JsonGenerator g, String field, List<V2ModelMetadata.TensorMetadata> tensors)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (V2ModelMetadata.TensorMetadata t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("datatype", t.datatype().name());
            g.writeArrayFieldStart("shape");
            for (long dim : t.shape()) {
                g.writeNumber(dim);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeShape(JsonGenerator g, Shape shape) throws IOException {
        g.writeArrayFieldStart("shape");
        for (int i = 0; i < shape.rank(); i++) {
            g.writeNumber(shape.dim(i));
        }
        g.writeEndArray();
    }
}
