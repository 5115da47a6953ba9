package io.inferno.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.protocol.V2Datatype;
import io.inferno.tensor.DType;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code --protocol grpc}: the predict body (generated or from {@code --payload-file}) as one
 * {@code ModelInferRequest} with raw tensor contents, as Triton's clients send it, built once and sent by every
 * user over its own channel (one HTTP/2 connection, like the native users' one keep-alive connection each).
 */
final class GrpcTraffic {
    private GrpcTraffic() {}

    /**
     * The request carrying a native predict body's inputs.
     *
     * @throws IllegalArgumentException when the body is not a predict body with {@code data} or {@code base64}
     *     inputs
     */
    static ModelInferRequest request(JsonNode body, String model, OptionalLong version) {
        JsonNode inputs = body.path("inputs");
        if (!inputs.isObject() || inputs.isEmpty()) {
            throw new IllegalArgumentException("the payload has no inputs object");
        }
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model);
        version.ifPresent(v -> request.setModelVersion(Long.toString(v)));
        for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> input = it.next();
            JsonNode tensor = input.getValue();
            DType dtype = DType.forName(tensor.path("dtype").asText());
            ModelInferRequest.InferInputTensor.Builder in = request.addInputsBuilder().setName(input.getKey())
                    .setDatatype(V2Datatype.of(dtype).name());
            long count = 1;
            for (JsonNode d : tensor.path("shape")) {
                in.addShape(d.asLong());
                count *= d.asLong();
            }
            byte[] raw;
            if (tensor.has("base64")) {
                raw = Base64.getDecoder().decode(tensor.get("base64").asText());
            } else if (tensor.has("data")) {
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count * dtype.itemSize()))
                        .order(ByteOrder.LITTLE_ENDIAN);
                flatten(tensor.get("data"), dtype, b);
                if (b.hasRemaining()) {
                    throw new IllegalArgumentException("input '" + input.getKey() + "' has fewer values than its"
                            + " shape holds");
                }
                raw = b.array();
            } else {
                throw new IllegalArgumentException("input '" + input.getKey() + "' has neither data nor base64");
            }
            request.addRawInputContents(ByteString.copyFrom(raw));
        }
        return request.build();
    }

    private static void flatten(JsonNode data, DType dtype, ByteBuffer out) {
        if (data.isArray()) {
            for (JsonNode element : data) {
                flatten(element, dtype, out);
            }
            return;
        }
        switch (dtype) {
            case BOOL -> out.put(data.asBoolean() ? (byte) 1 : (byte) 0);
            case UINT8, INT8 -> out.put((byte) data.asInt());
            case INT16 -> out.putShort((short) data.asInt());
            case INT32 -> out.putInt(data.asInt());
            case INT64 -> out.putLong(data.asLong());
            case FLOAT32 -> out.putFloat((float) data.asDouble());
            case FLOAT64 -> out.putDouble(data.asDouble());
            case FLOAT16, BFLOAT16 -> throw new IllegalArgumentException(
                    "send " + dtype + " inputs as base64 in --payload-file with --protocol grpc");
        }
    }

    /** A plain-text channel to the gRPC port on the REST URL's host. */
    static ManagedChannel channel(String restHost, int grpcPort) {
        return Grpc.newChannelBuilderForAddress(URI.create(restHost).getHost(), grpcPort,
                InsecureChannelCredentials.create()).maxInboundMessageSize(Integer.MAX_VALUE).build();
    }

    /** What is wrong with an answer for {@code --verify-response}, or null: every output present, raw. */
    static String problem(ModelInferResponse response) {
        if (response.getOutputsCount() == 0) {
            return "response without an output tensor";
        }
        if (response.getRawOutputContentsCount() != response.getOutputsCount()) {
            return "response with " + response.getOutputsCount() + " outputs and "
                    + response.getRawOutputContentsCount() + " raw contents";
        }
        return null;
    }
}
