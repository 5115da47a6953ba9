package io.inferno.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import io.inferno.grpc.v2.OpenInference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compiled .proto against a table written by hand from the specification (kserve/open-inference-protocol,
 * specification/protocol/open_inference_grpc.proto, with ModelMetadataResponse.properties from its pull request 9;
 * the same numbers as Triton's grpc_service.proto): every message, field name, number, type and label, and every
 * RPC. A field renumbered or retyped breaks every client generated from the specification, silently.
 */
class OpenInferenceProtoTest {
    private static final List<String> SPECIFICATION = List.of(
            "ServerLiveRequest",
            "ServerLiveResponse.live = 1 BOOL",
            "ServerReadyRequest",
            "ServerReadyResponse.ready = 1 BOOL",
            "ModelReadyRequest.name = 1 STRING",
            "ModelReadyRequest.version = 2 STRING",
            "ModelReadyResponse.ready = 1 BOOL",
            "ServerMetadataRequest",
            "ServerMetadataResponse.name = 1 STRING",
            "ServerMetadataResponse.version = 2 STRING",
            "ServerMetadataResponse.extensions = 3 repeated STRING",
            "ModelMetadataRequest.name = 1 STRING",
            "ModelMetadataRequest.version = 2 STRING",
            "ModelMetadataResponse.name = 1 STRING",
            "ModelMetadataResponse.versions = 2 repeated STRING",
            "ModelMetadataResponse.platform = 3 STRING",
            "ModelMetadataResponse.inputs = 4 repeated MESSAGE inference.ModelMetadataResponse.TensorMetadata",
            "ModelMetadataResponse.outputs = 5 repeated MESSAGE inference.ModelMetadataResponse.TensorMetadata",
            "ModelMetadataResponse.properties = 6 map<STRING, STRING>",
            "ModelMetadataResponse.TensorMetadata.name = 1 STRING",
            "ModelMetadataResponse.TensorMetadata.datatype = 2 STRING",
            "ModelMetadataResponse.TensorMetadata.shape = 3 repeated INT64",
            "ModelInferRequest.model_name = 1 STRING",
            "ModelInferRequest.model_version = 2 STRING",
            "ModelInferRequest.id = 3 STRING",
            "ModelInferRequest.parameters = 4 map<STRING, inference.InferParameter>",
            "ModelInferRequest.inputs = 5 repeated MESSAGE inference.ModelInferRequest.InferInputTensor",
            "ModelInferRequest.outputs = 6 repeated MESSAGE inference.ModelInferRequest.InferRequestedOutputTensor",
            "ModelInferRequest.raw_input_contents = 7 repeated BYTES",
            "ModelInferRequest.InferInputTensor.name = 1 STRING",
            "ModelInferRequest.InferInputTensor.datatype = 2 STRING",
            "ModelInferRequest.InferInputTensor.shape = 3 repeated INT64",
            "ModelInferRequest.InferInputTensor.parameters = 4 map<STRING, inference.InferParameter>",
            "ModelInferRequest.InferInputTensor.contents = 5 MESSAGE inference.InferTensorContents",
            "ModelInferRequest.InferRequestedOutputTensor.name = 1 STRING",
            "ModelInferRequest.InferRequestedOutputTensor.parameters = 2 map<STRING, inference.InferParameter>",
            "ModelInferResponse.model_name = 1 STRING",
            "ModelInferResponse.model_version = 2 STRING",
            "ModelInferResponse.id = 3 STRING",
            "ModelInferResponse.parameters = 4 map<STRING, inference.InferParameter>",
            "ModelInferResponse.outputs = 5 repeated MESSAGE inference.ModelInferResponse.InferOutputTensor",
            "ModelInferResponse.raw_output_contents = 6 repeated BYTES",
            "ModelInferResponse.InferOutputTensor.name = 1 STRING",
            "ModelInferResponse.InferOutputTensor.datatype = 2 STRING",
            "ModelInferResponse.InferOutputTensor.shape = 3 repeated INT64",
            "ModelInferResponse.InferOutputTensor.parameters = 4 map<STRING, inference.InferParameter>",
            "ModelInferResponse.InferOutputTensor.contents = 5 MESSAGE inference.InferTensorContents",
            "InferParameter.bool_param = 1 BOOL oneof parameter_choice",
            "InferParameter.int64_param = 2 INT64 oneof parameter_choice",
            "InferParameter.string_param = 3 STRING oneof parameter_choice",
            "InferParameter.double_param = 4 DOUBLE oneof parameter_choice",
            "InferParameter.uint64_param = 5 UINT64 oneof parameter_choice",
            "InferTensorContents.bool_contents = 1 repeated BOOL",
            "InferTensorContents.int_contents = 2 repeated INT32",
            "InferTensorContents.int64_contents = 3 repeated INT64",
            "InferTensorContents.uint_contents = 4 repeated UINT32",
            "InferTensorContents.uint64_contents = 5 repeated UINT64",
            "InferTensorContents.fp32_contents = 6 repeated FLOAT",
            "InferTensorContents.fp64_contents = 7 repeated DOUBLE",
            "InferTensorContents.bytes_contents = 8 repeated BYTES");

    private static final List<String> RPCS = List.of(
            "inference.GRPCInferenceService/ServerLive(ServerLiveRequest) returns ServerLiveResponse",
            "inference.GRPCInferenceService/ServerReady(ServerReadyRequest) returns ServerReadyResponse",
            "inference.GRPCInferenceService/ModelReady(ModelReadyRequest) returns ModelReadyResponse",
            "inference.GRPCInferenceService/ServerMetadata(ServerMetadataRequest) returns ServerMetadataResponse",
            "inference.GRPCInferenceService/ModelMetadata(ModelMetadataRequest) returns ModelMetadataResponse",
            "inference.GRPCInferenceService/ModelInfer(ModelInferRequest) returns ModelInferResponse");

    @Test
    void everyMessageAndFieldIsTheSpecifications() {
        Descriptors.FileDescriptor file = OpenInference.getDescriptor();
        assertThat(file.getPackage()).isEqualTo("inference");
        List<String> compiled = new ArrayList<>();
        for (Descriptors.Descriptor m : file.getMessageTypes()) {
            describe(m, compiled);
        }
        assertThat(compiled).containsExactlyInAnyOrderElementsOf(SPECIFICATION);
    }

    @Test
    void theServiceHasTheSpecificationsSixRpcs() {
        List<String> compiled = new ArrayList<>();
        for (Descriptors.MethodDescriptor m : OpenInference.getDescriptor().getServices().get(0).getMethods()) {
            assertThat(m.isClientStreaming() || m.isServerStreaming()).as(m.getName()).isFalse();
            compiled.add(m.getService().getFullName() + "/" + m.getName() + "(" + m.getInputType().getName()
                    + ") returns " + m.getOutputType().getName());
        }
        assertThat(OpenInference.getDescriptor().getServices()).hasSize(1);
        assertThat(compiled).containsExactlyElementsOf(RPCS);
    }

    private static void describe(Descriptors.Descriptor m, List<String> out) {
        String name = m.getFullName().substring("inference.".length());
        if (m.getFields().isEmpty()) {
            out.add(name);
        }
        for (Descriptors.FieldDescriptor f : m.getFields()) {
            out.add(name + "." + f.getName() + " = " + f.getNumber() + " " + type(f));
        }
        for (Descriptors.Descriptor nested : m.getNestedTypes()) {
            if (!nested.getOptions().getMapEntry()) {
                describe(nested, out);
            }
        }
    }

    private static String type(Descriptors.FieldDescriptor f) {
        if (f.isMapField()) {
            Descriptors.FieldDescriptor value = f.getMessageType().findFieldByName("value");
            return "map<" + f.getMessageType().findFieldByName("key").getType() + ", "
                    + (value.getType() == Descriptors.FieldDescriptor.Type.MESSAGE
                            ? value.getMessageType().getFullName() : value.getType()) + ">";
        }
        String t = (f.isRepeated() ? "repeated " : "") + f.getType()
                + (f.getType() == Descriptors.FieldDescriptor.Type.MESSAGE ? " " + f.getMessageType().getFullName()
                        : "");
        return f.getRealContainingOneof() != null ? t + " oneof " + f.getRealContainingOneof().getName() : t;
    }
}
