package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TorchErrorsTest {
    private static final String TRACEBACK = """
            The following operation failed in the TorchScript interpreter.
            Traceback of TorchScript, serialized code (most recent call last):
              File "code/__torch__/torch/nn/modules/sparse.py", line 19, in forward
                max_norm = self.max_norm
                norm_type = self.norm_type
                _0 = torch.embedding(weight, input, padding_idx, False, False)
                     ~~~~~~~~~~~~~~~ <--- HERE
                return _0
            Traceback of TorchScript, original code (most recent call last):
              File "/usr/lib/python3/dist-packages/torch/nn/functional.py", line 2210, in embedding
                return torch.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)
                       ~~~~~~~~~~~~~~~ <--- HERE
            RuntimeError: index out of range in self
            """;

    private static final String CPP_BACKTRACE = """
            PytorchStreamReader failed reading zip archive: failed finding central directory
            Exception raised from valid at /pytorch/caffe2/serialize/inline_container.cc:239 (most recent call first):
            frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0xb0 (0x7fa9b47b6c70 in libc10.so)
            frame #1: c10::detail::torchCheckFail(char const*, char const*, unsigned int, std::string const&)
            """;

    static Stream<Arguments> messages() {
        return Stream.of(
                Arguments.of(Named.of("TorchScript traceback", TRACEBACK), "RuntimeError: index out of range in self"),
                Arguments.of(Named.of("C++ backtrace", CPP_BACKTRACE),
                        "PytorchStreamReader failed reading zip archive: failed finding central directory"),
                Arguments.of(Named.of("enforce prefix", "[enforce fail at inline_container.cc:176] . file in archive "
                        + "is not in a subdirectory: readme.txt"),
                        "file in archive is not in a subdirectory: readme.txt"),
                Arguments.of(Named.of("argument error", "forward() is missing value for argument 'b'. Declaration: "
                        + "forward(__torch__.Arity3 self, Tensor a, Tensor b, Tensor c) -> Tensor"),
                        "forward() is missing value for argument 'b'"),
                Arguments.of(Named.of("long single line", "Could not run 'aten::empty_strided' with arguments from "
                        + "the 'CUDA' backend. This could be because the operator doesn't exist for this backend. "
                        + "x".repeat(400)),
                        "Could not run 'aten::empty_strided' with arguments from the 'CUDA' backend. This could be "
                                + "because the operator doesn't exist for this backend."),
                Arguments.of(Named.of("unbroken text", "y".repeat(500)), "y".repeat(297) + "..."),
                Arguments.of(Named.of("no message", null), "EngineException"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void keepsTheMeaningfulLine(String message, String reason) {
        assertThat(TorchErrors.reason(new EngineException(message))).isEqualTo(reason);
    }

    @Test
    void readsForwardsParametersFromADeclaration() {
        assertThat(TorchErrors.forwardParameters("Expected at most 2 argument(s) for operator 'forward', but received "
                + "3 argument(s). Declaration: forward(__torch__.Linear43 self, Tensor x) -> Tensor"))
                .contains("Tensor x");
        assertThat(TorchErrors.forwardParameters("forward() Expected a value of type 'Tensor' for argument 'tokens'. "
                + "Declaration: forward(__torch__.M self, Tensor tokens, Dict(str, Tensor) extra) -> Tensor"))
                .contains("Tensor tokens, Dict(str, Tensor) extra");
        assertThat(TorchErrors.forwardParameters("Declaration: forward(__torch__.M self) -> Tensor")).contains("");
        assertThat(TorchErrors.forwardParameters("RuntimeError: index out of range in self")).isEmpty();
    }
}
