package io.inferno.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.protocol.V2Datatype;
import io.inferno.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * {@code --protocol v2} and {@code v2-binary}: the predict body as an Open Inference Protocol REST infer request
 * ({@code POST /v2/models/{m}/infer}), built once from the same raw tensors as {@code --protocol grpc}
 * ({@link GrpcTraffic#request}) and sent by every user over its keep-alive connection. {@code v2} sends and asks
 * for JSON {@code data}; {@code v2-binary} sends the inputs as binary tensor data after the JSON header
 * ({@code Inference-Header-Content-Length}) and asks for binary outputs, as Triton's HTTP client does.
 */
final class V2Traffic {
    private static final JsonFactory JSON = new JsonFactory();

    private V2Traffic() {}

    /**
     * A request body.
     *
     * @param bytes the body
     * @param headerLength the JSON header's length when binary data follows it
     */
    record Body(byte[] bytes, OptionalInt headerLength) {
        /** The extra request header lines, each ending in CRLF. */
        String headerLines() {
            return headerLength.isPresent() ? "Inference-Header-Content-Length: " + headerLength.getAsInt() + "\r\n"
                    : "";
        }
    }

    /** The infer path of a model, pinned to a version or not. */
    static String path(String model, OptionalLong version) {
        return "/v2/models/" + model + (version.isPresent() ? "/versions/" + version.getAsLong() : "") + "/infer";
    }

    /** The V2 body carrying the raw inputs of {@code request}. */
    static Body body(ModelInferRequest request, boolean binary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("inputs");
            for (int i = 0; i < request.getInputsCount(); i++) {
                ModelInferRequest.InferInputTensor in = request.getInputs(i);
                g.writeStartObject();
                g.writeStringField("name", in.getName());
                g.writeStringField("datatype", in.getDatatype());
                g.writeArrayFieldStart("shape");
                for (long d : in.getShapeList()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                ByteBuffer raw = request.getRawInputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                if (binary) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", raw.remaining());
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    writeData(g, raw, V2Datatype.dtypeOf(in.getDatatype()));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            if (binary) {
                g.writeObjectFieldStart("parameters");
                g.writeBooleanField("binary_data_output", true);
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        if (!binary) {
            return new Body(out.toByteArray(), OptionalInt.empty());
        }
        int header = out.size();
        for (int i = 0; i < request.getRawInputContentsCount(); i++) {
            out.writeBytes(request.getRawInputContents(i).toByteArray());
        }
        return new Body(out.toByteArray(), OptionalInt.of(header));
    }

    private static void writeData(JsonGenerator g, ByteBuffer raw, DType dtype) throws IOException {
        g.writeStartArray();
        while (raw.hasRemaining()) {
            switch (dtype) {
                case BOOL -> g.writeBoolean(raw.get() != 0);
                case UINT8 -> g.writeNumber(raw.get() & 0xff);
                case INT8 -> g.writeNumber(raw.get());
                case INT16 -> g.writeNumber(raw.getShort());
                case INT32 -> g.writeNumber(raw.getInt());
                case INT64 -> g.writeNumber(raw.getLong());
                case FLOAT32 -> g.writeNumber(raw.getFloat());
                case FLOAT64 -> g.writeNumber(raw.getDouble());
                case FLOAT16, BFLOAT16 -> throw new IllegalArgumentException(
                        dtype + " inputs need --protocol v2-binary");
            }
        }
        g.writeEndArray();
    }

    /**
     * Whether an answer carries every output, for {@code --verify-response}: the JSON object (read up to its end,
     * so binary data after it is not read) has outputs, each with data or a binary size.
     */
    static boolean carriesAnOutput(JsonNode answer) {
        JsonNode outputs = answer.path("outputs");
        if (!outputs.isArray() || outputs.isEmpty()) {
            return false;
        }
        for (JsonNode t : outputs) {
            if (!t.has("datatype") || !t.has("shape")
                    || !(t.has("data") || t.path("parameters").has("binary_data_size"))) {
                return false;
            }
        }
        return true;
    }
}
