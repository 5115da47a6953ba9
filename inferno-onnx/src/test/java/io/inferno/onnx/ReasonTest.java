package io.inferno.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ONNX Runtime's messages, as its Java API words them, reduced to the reason. */
class ReasonTest {
    static Stream<Arguments> messages() {
        return Stream.of(
                Arguments.of("Error code - ORT_FAIL - message: Load model from /m/model.onnx failed:/onnxruntime_src/"
                        + "onnxruntime/core/graph/model.cc:165 onnxruntime::Model::Model(onnx::ModelProto&&, const "
                        + "onnxruntime::PathString&, const onnxruntime::IOnnxRuntimeOpSchemaRegistryList*, const "
                        + "onnxruntime::logging::Logger&, const onnxruntime::ModelOptions&) ModelProto does not have a"
                        + " graph.", "Load model from /m/model.onnx failed:ModelProto does not have a graph."),
                Arguments.of("Error code - ORT_INVALID_PROTOBUF - message: Load model from /m/model.onnx"
                        + " failed:Protobuf parsing failed.",
                        "Load model from /m/model.onnx failed:Protobuf parsing failed."),
                Arguments.of("Error code - ORT_RUNTIME_EXCEPTION - message: Non-zero status code returned while running"
                        + " Gather node. Name:'/embedding/Gather' Status Message: indices element out of data bounds,"
                        + " idx=5000 must be within the inclusive range [-1000,999]", "Non-zero status code returned"
                                + " while running Gather node. Name:'/embedding/Gather' Status Message: indices element"
                                + " out of data bounds, idx=5000 must be within the inclusive range [-1000,999]"),
                Arguments.of("Error code - ORT_FAIL - message: first line\n  second line\n", "first line second line"),
                Arguments.of("x".repeat(400), "x".repeat(297) + "..."));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void theReasonIsOneLineWithoutCodePrefixOrSourceLocation(String message, String reason) {
        assertThat(OnnxRuntime.reason(new OrtException(message))).isEqualTo(reason);
    }
}
